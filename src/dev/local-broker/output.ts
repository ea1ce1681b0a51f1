// What Java printed, cut down to what says what went wrong, for the errors the launcher throws.
import { readFile } from 'node:fs/promises';

const TAIL_LINES = 40;

/** The stdout and stderr of a failed execFile, or the error's message when it printed nothing. */
export function processOutput(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { stdout, stderr, message } = error as { stdout?: unknown; stderr?: unknown; message?: unknown };
  const output = [stdout, stderr].filter((part) => typeof part === 'string' && part.trim() !== '').join('\n');
  return output || String(message);
}

export function tail(text: string): string {
  return text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
}

export async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  // Java stack frames would push the messages that say what went wrong out of the tail.
  const messages = text
    .split('\n')
    .filter((line) => !/^\s+(at |\.\.\. \d+ more)/.test(line))
    .join('\n');
  return messages.trim() === '' ? '(empty)' : tail(messages);
}
