import { createStore, store, STORE_ENV } from "./evaluations";
import { badStacks, goodStacks, run } from "./harness";

/** Evaluates every stack file once for the whole run; workers inherit the store's location. */
export default async function globalSetup(): Promise<void> {
  const dir = createStore();
  for (const stack of [...goodStacks(), ...badStacks()]) store(dir, stack, await run(stack));
  process.env[STORE_ENV] = dir;
}
