// A live progress line on stderr: rewritten in place on a terminal, one line per update otherwise
// (so logs and tests can read every update).

export class ProgressLine {
  private lastLen = 0;
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(text: string): void {
    if (this.out.isTTY) {
      const pad = Math.max(0, this.lastLen - text.length);
      this.out.write(`\r${text}${' '.repeat(pad)}`);
      this.lastLen = text.length;
    } else {
      this.out.write(`${text}\n`);
    }
  }

  /** Ends the in-place line so later output starts on a fresh line. */
  done(text?: string): void {
    if (text !== undefined) this.update(text);
    if (this.out.isTTY && this.lastLen > 0) this.out.write('\n');
    this.lastLen = 0;
  }
}
