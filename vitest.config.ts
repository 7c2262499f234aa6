import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    restoreMocks: true,
    clearMocks: true,
    // Integration files each start their own lab on distinct addresses; running them
    // one at a time keeps a 2-core machine from timing out SSH handshakes.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
