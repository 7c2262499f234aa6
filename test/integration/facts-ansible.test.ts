// redplay's gathered facts against Ansible's own `setup` on the same host (this machine, local
// connection): the facts redplay gathers must be the values Ansible gives them.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { GATHERED_FACTS, FACTS_SCRIPT, parseHostFacts } from "../../src/facts/host-facts.js";

describe("gathered facts match ansible's setup", () => {
  it("every fact redplay gathers has Ansible's value on this host", () => {
    const out = execFileSync("ansible", ["localhost", "-c", "local", "-m", "setup"], {
      encoding: "utf8",
      env: { ...process.env, ANSIBLE_LOCALHOST_WARNING: "false", ANSIBLE_INVENTORY_UNPARSED_WARNING: "false", ANSIBLE_NOCOLOR: "1" },
      timeout: 120_000,
    });
    const ansible = (JSON.parse(out.slice(out.indexOf("{"))) as { ansible_facts: Record<string, unknown> }).ansible_facts;
    const ours = parseHostFacts(execFileSync("/bin/sh", ["-c", FACTS_SCRIPT], { encoding: "utf8" }));
    for (const name of GATHERED_FACTS) {
      if (name === "ansible_default_ipv4") {
        const a = ansible[name] as Record<string, unknown>;
        expect(ours[name], name).toEqual({ address: a.address, interface: a.interface, ...(a.gateway ? { gateway: a.gateway } : {}) });
      } else {
        expect(ours[name], name).toEqual(ansible[name]);
      }
    }
  });
});
