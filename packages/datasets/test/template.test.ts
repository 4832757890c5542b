import { describe, expect, it } from 'vitest';
import { renderCompletion, renderPrompt } from '../src/index.js';

describe('the chat template', () => {
  it('renders prompt messages as header, content, newline, then the assistant header', () => {
    const prompt = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ];
    expect(renderPrompt(prompt)).toBe('<|system|>\nBe brief.\n<|user|>\nHi\n<|assistant|>\n');
  });

  it('renders an earlier assistant turn of the prompt with its header', () => {
    const prompt = [
      { role: 'user', content: '1+1?' },
      { role: 'assistant', content: '2' },
      { role: 'user', content: 'And 2+2?' },
    ];
    expect(renderPrompt(prompt)).toBe(
      '<|user|>\n1+1?\n<|assistant|>\n2\n<|user|>\nAnd 2+2?\n<|assistant|>\n',
    );
  });

  it('renders a single assistant message as its content alone', () => {
    expect(renderCompletion([{ role: 'assistant', content: 'Hello.' }])).toBe('Hello.');
  });

  it('gives other roles in a completion their header and joins messages with newlines', () => {
    const completion = [
      { role: 'assistant', content: 'A' },
      { role: 'tool', content: 'B' },
      { role: 'assistant', content: 'C' },
    ];
    expect(renderCompletion(completion)).toBe('A\n<|tool|>\nB\nC');
  });

  it('renders an empty prompt list as the assistant header alone', () => {
    expect(renderPrompt([])).toBe('<|assistant|>\n');
  });
});
