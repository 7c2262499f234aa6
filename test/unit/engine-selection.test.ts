// Pure selection logic of the engine: tag filtering and serial batches.
import { describe, expect, it } from "vitest";
import { batchesOf } from "../../src/engine/serial.js";
import { selectedByTags } from "../../src/engine/tags.js";

describe("selectedByTags", () => {
  it.each([
    { task: [], tags: [], skip: [], run: true },
    { task: ["never"], tags: [], skip: [], run: false },
    { task: ["never", "x"], tags: ["x"], skip: [], run: true },
    { task: ["a"], tags: ["b"], skip: [], run: false },
    { task: ["a"], tags: ["a"], skip: [], run: true },
    { task: ["always"], tags: ["b"], skip: [], run: true },
    { task: ["always"], tags: [], skip: ["always"], run: false },
    { task: ["a"], tags: ["a"], skip: ["a"], run: false },
    { task: [], tags: ["untagged"], skip: [], run: true },
    { task: ["a"], tags: ["untagged"], skip: [], run: false },
    { task: ["a"], tags: ["tagged"], skip: [], run: true },
    { task: ["a"], tags: [], skip: ["tagged"], run: false },
    { task: ["never"], tags: ["all"], skip: [], run: false },
    { task: ["a"], tags: ["all"], skip: [], run: true },
  ])("task $task with --tags $tags --skip-tags $skip runs: $run", ({ task, tags, skip, run }) => {
    expect(selectedByTags(task, tags, skip)).toBe(run);
  });
});

describe("batchesOf (serial)", () => {
  const hosts = ["a", "b", "c", "d", "e"];
  it.each([
    { serial: undefined, out: [["a", "b", "c", "d", "e"]] },
    { serial: [1], out: [["a"], ["b"], ["c"], ["d"], ["e"]] },
    { serial: [2], out: [["a", "b"], ["c", "d"], ["e"]] },
    { serial: ["40%"], out: [["a", "b"], ["c", "d"], ["e"]] },
    { serial: [1, 3], out: [["a"], ["b", "c", "d"], ["e"]] },
    { serial: ["10%"], out: [["a"], ["b"], ["c"], ["d"], ["e"]] },
  ])("serial $serial", ({ serial, out }) => {
    expect(batchesOf(hosts, serial as Array<number | string> | undefined)).toEqual(out);
  });
});
