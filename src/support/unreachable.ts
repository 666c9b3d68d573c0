/** Ends an exhaustive switch: the type checker proves `value` cannot get here; if it does at runtime, `what` names it. */
export function assertUnreachable(value: never, what: string): never {
  throw new Error(`unhandled ${what} ${JSON.stringify(value)}`);
}
