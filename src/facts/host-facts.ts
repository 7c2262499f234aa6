// The facts `gather_facts: true` gives: the ones Redis roles read, in Ansible's names and shapes,
// from one shell command per host (FACTS_SCRIPT) parsed here. Any other `ansible_*` fact is not
// gathered, and reading it is an error that names it (see factError).

/** Every fact gathered, as Ansible names them. */
export const GATHERED_FACTS = [
  "ansible_hostname",
  "ansible_fqdn",
  "ansible_distribution",
  "ansible_distribution_release",
  "ansible_distribution_version",
  "ansible_distribution_major_version",
  "ansible_os_family",
  "ansible_default_ipv4",
  "ansible_memtotal_mb",
  "ansible_processor_vcpus",
  "ansible_service_mgr",
] as const;

/**
 * `ansible_*` variables that are not facts: connection and privilege settings, magic variables.
 * Reading one of these that is not set is an ordinary undefined variable.
 */
const NOT_FACTS = /^ansible_(host|port|user|connection|password|become\w*|ssh\w*|private_key_file|python_interpreter|play_\w+|check_mode|facts|managed|shell_\w+|timeout)$/;

/** True for a name Ansible would fill from gathered facts (ansible_processor_cores, ...). */
export function looksLikeFact(name: string): boolean {
  return name.startsWith("ansible_") && !NOT_FACTS.test(name);
}

/** Why a fact read by a template is not there: not gathered by this play, or never gathered. */
export function factError(name: string, gathered: boolean): string {
  const root = name.split(/[.[]/)[0]!;
  if ((GATHERED_FACTS as readonly string[]).includes(root)) {
    return gathered ? `fact "${root}" was not found on this host` : `"${root}" is a fact: set gather_facts: true on the play`;
  }
  return `fact "${root}" is not one redplay gathers (it gathers ${GATHERED_FACTS.join(", ")}); set it in the inventory or with set_fact`;
}

/** One command that prints what the facts are made of, as `key=value` lines and os-release. */
export const FACTS_SCRIPT = [
  'echo "hostname=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)"',
  // Ansible's ansible_fqdn is Python's socket.getfqdn(); hosts it manages have a Python.
  'echo "fqdn=$( (python3 -c \'import socket; print(socket.getfqdn())\' || hostname -f || hostname) 2>/dev/null | head -n1)"',
  "sed -n 's/^/os_/p' /etc/os-release 2>/dev/null",
  'echo "debian_version=$(cat /etc/debian_version 2>/dev/null)"',
  // A route lookup in the kernel's table: no packet is sent.
  'echo "route4=$(ip -4 route get 8.8.8.8 2>/dev/null | head -n1)"',
  'echo "memtotal_kb=$(sed -n \'s/^MemTotal: *\\([0-9]*\\).*/\\1/p\' /proc/meminfo)"',
  'echo "vcpus=$(grep -c ^processor /proc/cpuinfo)"',
  'echo "pid1=$(cat /proc/1/comm 2>/dev/null)"',
  'if [ -d /run/systemd/system ]; then echo systemd_runs=1; fi',
  'if [ -d /etc/init.d ]; then echo initd=1; fi',
].join("; ");

const DISTRIBUTIONS: Record<string, [name: string, family: string]> = {
  debian: ["Debian", "Debian"],
  ubuntu: ["Ubuntu", "Debian"],
  linuxmint: ["Linux Mint", "Debian"],
  raspbian: ["Debian", "Debian"],
  pop: ["Pop!_OS", "Debian"],
  kali: ["Kali", "Debian"],
  rhel: ["RedHat", "RedHat"],
  centos: ["CentOS", "RedHat"],
  fedora: ["Fedora", "RedHat"],
  rocky: ["Rocky", "RedHat"],
  almalinux: ["AlmaLinux", "RedHat"],
  ol: ["OracleLinux", "RedHat"],
  amzn: ["Amazon", "RedHat"],
  "opensuse-leap": ["openSUSE Leap", "Suse"],
  sles: ["SLES", "Suse"],
  arch: ["Archlinux", "Archlinux"],
  alpine: ["Alpine", "Alpine"],
};

function unquote(v: string): string {
  const t = v.trim();
  return /^(["']).*\1$/.test(t) ? t.slice(1, -1) : t;
}

/** Facts from FACTS_SCRIPT's output. */
export function parseHostFacts(out: string): Record<string, unknown> {
  const kv = new Map<string, string>();
  for (const line of out.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) kv.set(line.slice(0, eq), unquote(line.slice(eq + 1)));
  }
  const get = (k: string) => kv.get(k) ?? "";
  const hostname = get("hostname").split(".")[0]!;
  const id = get("os_ID").toLowerCase();
  const [distribution, family] = DISTRIBUTIONS[id] ?? [id ? id[0]!.toUpperCase() + id.slice(1) : "NA", id ? id[0]!.toUpperCase() + id.slice(1) : "NA"];
  // As Ansible: Debian's full version is /etc/debian_version's (12.11), others' VERSION_ID.
  const version = id === "debian" && /^\d/.test(get("debian_version")) ? get("debian_version") : get("os_VERSION_ID") || get("debian_version");
  const major = version.split(/[./]/)[0] ?? "";
  const route = get("route4");
  const address = /\bsrc (\S+)/.exec(route)?.[1];
  const iface = /\bdev (\S+)/.exec(route)?.[1];
  const gateway = /\bvia (\S+)/.exec(route)?.[1];
  const memKb = Number(get("memtotal_kb"));
  const vcpus = Number(get("vcpus"));
  const pid1 = get("pid1");
  // As Ansible's service_mgr: pid 1's name unless it is `init` or a shell, then what runs.
  const serviceMgr = pid1 && pid1 !== "init" && !pid1.endsWith("sh") ? pid1 : kv.has("systemd_runs") ? "systemd" : kv.has("initd") ? "sysvinit" : "service";
  const facts: Record<string, unknown> = {
    ansible_hostname: hostname,
    ansible_fqdn: get("fqdn") || hostname,
    ansible_distribution: distribution,
    ansible_distribution_release: get("os_VERSION_CODENAME") || (get("debian_version").includes("/") ? get("debian_version").split("/")[0] : "NA"),
    ansible_distribution_version: version || "NA",
    ansible_distribution_major_version: major || "NA",
    ansible_os_family: family,
    ansible_default_ipv4: address ? { address, interface: iface, ...(gateway ? { gateway } : {}) } : {},
    ansible_memtotal_mb: Number.isFinite(memKb) ? Math.floor(memKb / 1024) : 0,
    ansible_processor_vcpus: Number.isFinite(vcpus) ? vcpus : 0,
    ansible_service_mgr: serviceMgr,
  };
  facts.ansible_facts = Object.fromEntries(Object.entries(facts).map(([k, v]) => [k.replace(/^ansible_/, ""), v]));
  return facts;
}
