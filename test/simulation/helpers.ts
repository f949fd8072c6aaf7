import { Writable } from 'node:stream';
import { runOperatorCli } from '../../src/cli/index.js';

/** Collects what a command writes. */
export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString('utf8');
    callback();
  }
}

/** Runs `statevisor …argv` in `cwd` and returns its exit code and output. */
export async function statevisor(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runOperatorCli({ argv, env: {}, cwd, stdout, stderr });
  return { code, out: stdout.text, err: stderr.text };
}
