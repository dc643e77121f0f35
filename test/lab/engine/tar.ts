/**
 * A minimal ustar writer: the provider sends each upload as a one-file tar archive extracted
 * at "/", and the lab builds stand-in root filesystems the same way.
 */

export interface TarEntry {
  /** Path inside the archive; a leading "/" is kept, as the provider writes it. */
  name: string;
  /** Permission bits (0o644, 0o744, ...). */
  mode: number;
  kind?: "file" | "dir" | "symlink";
  content?: Buffer | string;
  /** Target of a symlink. */
  linkTarget?: string;
  uid?: number;
  gid?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

/** Splits a long name into ustar's prefix (155) and name (100) fields. */
function splitName(name: string): { prefix: string; base: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: "", base: name };
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== "/") continue;
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(base) <= 100) return { prefix, base };
  }
  throw new Error(`tar: name too long: ${name}`);
}

function header(entry: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const { prefix, base } = splitName(entry.name);
  const type = entry.kind === "dir" ? "5" : entry.kind === "symlink" ? "2" : "0";
  h.write(base, 0, 100, "utf8");
  h.write(octal(entry.mode & 0o7777, 8), 100, 8, "ascii");
  h.write(octal(entry.uid ?? 0, 8), 108, 8, "ascii");
  h.write(octal(entry.gid ?? 0, 8), 116, 8, "ascii");
  h.write(octal(size, 12), 124, 12, "ascii");
  h.write(octal(0, 12), 136, 12, "ascii");
  h.write("        ", 148, 8, "ascii");
  h.write(type, 156, 1, "ascii");
  if (entry.linkTarget) h.write(entry.linkTarget, 157, 100, "utf8");
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7) + " ", 148, 8, "ascii");
  return h;
}

/** The archive of the given entries, in order. */
export function tar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body =
      e.kind === "file" || e.kind === undefined ? Buffer.from(e.content ?? "") : Buffer.alloc(0);
    parts.push(header(e, body.length), body);
    const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}
