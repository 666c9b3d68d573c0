/** Everything a test server logs, exactly as written: for tests that read the log. */
import { Writable } from 'node:stream';

export class LogCapture extends Writable {
  private text = '';

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }

  /** The raw lines. */
  get lines(): string[] {
    return this.text.split('\n').filter(Boolean);
  }

  /** The lines as the JSON records they are. */
  records(): Array<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
