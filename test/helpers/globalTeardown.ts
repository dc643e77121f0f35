import { removeStore, STORE_ENV } from "./evaluations";

export default function globalTeardown(): void {
  const dir = process.env[STORE_ENV];
  if (dir) removeStore(dir);
}
