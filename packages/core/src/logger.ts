/**
 * Where library code reports what it did. Library packages never write to
 * the console; the command line passes a logger that does.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

/** A logger that drops everything, for library use without output. */
export const silentLogger: Logger = {
  info() {},
  warn() {},
};
