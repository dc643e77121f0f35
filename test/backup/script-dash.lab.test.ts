/**
 * The generated backup script run for real under dash, Debian's /bin/sh, with Debian's restic
 * and sqlite3 (CI: `apt-get install -y restic sqlite3 busybox`).
 */
import { describeScript, setupLabs } from "./lab";

setupLabs();
describeScript("dash", ["sh"]);
