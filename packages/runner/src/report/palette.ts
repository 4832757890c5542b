/**
 * Series colours: the Okabe-Ito palette, chosen because its colours stay
 * apart for the common forms of colour blindness. Its yellow is left out as
 * unreadable on white. The first colour goes to the first series, so a
 * report that always lists training before evaluation colours them alike in
 * every panel.
 */
export const seriesPalette: readonly string[] = [
  '#0072B2', // blue
  '#D55E00', // vermillion
  '#009E73', // bluish green
  '#CC79A7', // reddish purple
  '#E69F00', // orange
  '#56B4E9', // sky blue
  '#000000', // black
];

/** Dash patterns for the second and later rounds through the palette. */
const dashes: readonly string[] = ['', '6 3', '2 3', '8 3 2 3'];

/** How to stroke the series at `index`: its colour, and a dash pattern once colours repeat. */
export function seriesStroke(index: number): { colour: string; dash: string } {
  const round = Math.floor(index / seriesPalette.length);
  return {
    colour: seriesPalette[index % seriesPalette.length] ?? '#000000',
    dash: dashes[round % dashes.length] ?? '',
  };
}
