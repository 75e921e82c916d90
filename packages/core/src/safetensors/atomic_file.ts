// A file that appears under its final name only once completely written and flushed to disk:
// written to a temporary name in the same folder (so rename is atomic on one filesystem), fsynced,
// then renamed over the final name. A crash leaves at most a stray `.<name>.tmp-*` file.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { MixdistillError } from '../errors';

export class AtomicFile {
  private fd: number | undefined;
  /** Bytes written so far (the next write position). */
  private position = 0;

  private constructor(
    readonly file: string,
    readonly tempFile: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  static create(file: string): AtomicFile {
    const tempFile = join(dirname(file), `.${basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      return new AtomicFile(file, tempFile, openSync(tempFile, 'wx'));
    } catch (err) {
      throw new MixdistillError(
        `${file}: cannot create ${tempFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
  }

  /** Appends all of `bytes`. */
  write(bytes: Uint8Array): void {
    const fd = this.descriptor();
    let done = 0;
    while (done < bytes.length) {
      done += writeSync(fd, bytes, done, bytes.length - done, this.position + done);
    }
    this.position += bytes.length;
  }

  /** Flushes to disk and renames onto the final name. */
  commit(): void {
    const fd = this.descriptor();
    try {
      fsyncSync(fd);
      closeSync(fd);
      this.fd = undefined;
      renameSync(this.tempFile, this.file);
    } catch (err) {
      this.abort();
      throw new MixdistillError(
        `${this.file}: cannot finish writing (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
    syncFolder(dirname(this.file));
  }

  /** Discards the temporary file; the final name is left untouched. */
  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.tempFile, { force: true });
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new Error(`${this.file}: write after commit() or abort()`);
    return this.fd;
  }
}

/**
 * Writes a whole file atomically and durably: temp file in the same folder, fsync, rename, fsync of
 * the folder. Readers see the old content or the new, never a torn file, even after a crash. The one
 * way the project writes a file that must not be left half-written (data sets, configs, results).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const f = AtomicFile.create(file);
  try {
    f.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  } catch (err) {
    f.abort();
    throw err;
  }
  f.commit();
}

/** Makes the rename itself durable; folders cannot be opened for fsync on every platform (Windows). */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Best effort: the file's own data is already on disk.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
