// pnpm bench entry point (filled by the benchmark work).
export {};
