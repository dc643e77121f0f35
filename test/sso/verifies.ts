import { pbkdf2Sync } from "node:crypto";

/**
 * Whether an Authelia `$pbkdf2-sha512$<rounds>$<salt>$<hash>` digest (passlib's adapted
 * base64: `.` for `+`) matches a secret, checked with node's own PBKDF2, not the code under test.
 */
export function verifies(digest: string, secret: string): boolean {
  const [, alg, iter, salt, hash] = digest.split("$");
  if (alg !== "pbkdf2-sha512") return false;
  const ab = (s: string): Buffer => Buffer.from(s.replace(/\./g, "+"), "base64");
  return pbkdf2Sync(secret, ab(salt), Number(iter), 64, "sha512").equals(ab(hash));
}
