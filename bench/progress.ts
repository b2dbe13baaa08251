/**
 * The bench's progress on stderr (stdout holds the table): in a terminal, one status line
 * rewritten in place as each step advances; piped to a file or CI log, one plain line per step.
 */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export class Progress {
  /** A status line is on screen without its line feed. */
  private open = false;

  constructor(private readonly stream: ProgressStream = process.stderr) {}

  /** Reports a step: replaces the previous step's line in a terminal, a new line otherwise. */
  step(message: string): void {
    if (!this.stream.isTTY) {
      this.stream.write(`[bench] ${message}\n`);
      return;
    }
    // \r to the line start, CSI 2K clears it (ECMA-48 §8.3.41, "erase in line").
    this.stream.write(`\r\x1b[2K[bench] ${message}`);
    this.open = true;
  }

  /** Ends the status line, so what follows (the table, an error) starts on a line of its own. */
  done(): void {
    if (!this.open) return;
    this.stream.write('\n');
    this.open = false;
  }
}

/** The bench's one progress line. */
export const progress = new Progress();
export const log = (message: string) => progress.step(message);
