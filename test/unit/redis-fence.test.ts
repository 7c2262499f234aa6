// The default write fence: floor(N/2) replicas, so with the primary counting as one only a
// majority of the group can write, and two primaries can never both reach it.
import { describe, expect, it } from "vitest";
import { majorityFence, replicasMissing } from "../../src/redis/fence.js";

describe("majorityFence", () => {
  it.each([
    [1, 0],
    [2, 1],
    [3, 1],
    [4, 2],
    [5, 2],
    [6, 3],
    [7, 3],
  ])("a group of %i nodes needs %i replicas per write", (n, fence) => {
    expect(majorityFence(n)).toBe(fence);
  });

  it("no split of a group of 1 to 9 nodes gives both sides enough nodes to write", () => {
    for (let n = 1; n <= 9; n++) {
      const needed = majorityFence(n) + 1;
      for (let side = 0; side <= n; side++) expect(side >= needed && n - side >= needed).toBe(false);
    }
  });

  it("refuses a group without nodes", () => {
    expect(() => majorityFence(0)).toThrow(/at least one node/);
  });
});

describe("replicasMissing", () => {
  it("counts the replicas a primary still needs, never below zero", () => {
    expect(replicasMissing(1, 2)).toBe(1);
    expect(replicasMissing(0, 1)).toBe(1);
    expect(replicasMissing(2, 2)).toBe(0);
    expect(replicasMissing(3, 1)).toBe(0);
    expect(replicasMissing(0, 0)).toBe(0);
  });
});
