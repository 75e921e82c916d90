// Placeholder until the native addon lands: reports that it is not built.
export function registerNativeBackend(): { version: string; threads: number } {
  throw new Error('the native addon is not built yet');
}
