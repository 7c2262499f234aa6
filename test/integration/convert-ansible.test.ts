// `redplay convert` against Ansible itself: the fixture template rendered by ansible-playbook's
// template module and its conversion rendered by redplay give the same bytes, for two sets of
// variables that take every branch.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseYaml } from "../../src/load/yaml.js";
import { renderString } from "../../src/template/handlebars.js";
import { convertJinja } from "../../src/template/jinja-convert.js";
import { ansibleRender } from "../helpers/ansible-render.js";

const dir = "test/fixtures/jinja2/convert";

describe("converted templates render what Ansible renders", () => {
  it.each(["vars.yaml", "vars-other.yaml"])("redis.conf.j2 with %s", (varsFile) => {
    const [expected] = ansibleRender([`${dir}/redis.conf.j2`], `${dir}/${varsFile}`);
    const { hbs, untranslated } = convertJinja(readFileSync(`${dir}/redis.conf.j2`, "utf8"));
    expect(untranslated).toEqual([]);
    const vars = parseYaml(readFileSync(`${dir}/${varsFile}`, "utf8"), varsFile).value as Record<string, unknown>;
    expect(renderString(hbs, vars, { file: "redis.conf.hbs" })).toBe(expected);
  });
});
