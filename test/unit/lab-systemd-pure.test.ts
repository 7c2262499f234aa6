// Pure pieces of the systemd lab and of package handling: which mirror a rootfs comes from, how
// a node's config is bound to its address, how an upstream build is laid out like a package, and
// how dpkg and apt versions are read.
import { describe, expect, it } from "vitest";
import { mainArchive, parseDeb822, parseSourcesList } from "../../src/lab/apt-mirror.js";
import { debianisedConf, upstreamUnit } from "../../src/lab/rootfs.js";
import { bindTo } from "../../src/lab/systemd-node.js";
import { parseDpkgStatus } from "../../src/modules/apt.js";
import { debianLayout, upstreamOfDebianVersion } from "../../src/modules/redis/redis-server.js";

describe("the machine's Debian mirror", () => {
  it("is the main archive of a deb822 file, not its security or disabled entries", () => {
    const text = [
      "Types: deb",
      "URIs: http://mirror.example/debian-security",
      "Suites: bookworm-security",
      "Components: main",
      "",
      "Types: deb-src",
      "URIs: http://src.example/debian",
      "Suites: bookworm",
      "",
      "Types: deb",
      "URIs: http://off.example/debian",
      "Suites: bookworm",
      "Enabled: no",
      "",
      "Types: deb",
      "# a comment inside the stanza",
      "URIs: http://mirror.example/debian/",
      "Suites: bookworm bookworm-updates",
      "Components: main",
    ].join("\n");
    expect(mainArchive(parseDeb822(text))).toBe("http://mirror.example/debian");
  });

  it("is read from one-line sources too, options and comments ignored", () => {
    const text = "# deb http://old.example/debian buster main\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bullseye main\n";
    expect(parseSourcesList(text)).toEqual([{ uri: "http://m.example/debian", suites: ["bullseye"] }]);
    expect(mainArchive(parseSourcesList("deb http://m.example/debian-security bullseye-security main\n"))).toBeNull();
  });
});

describe("a lab node's config", () => {
  it("binds the node's own address instead of the stock loopback line, and nothing else changes", () => {
    const stock = "# bind 192.168.1.100\nbind 127.0.0.1 -::1\nport 6379\n";
    expect(bindTo(stock, "127.0.0.42")).toBe("# bind 192.168.1.100\nbind 127.0.0.42\nport 6379\n");
    expect(bindTo("port 6379\n", "127.0.0.42")).toBe("port 6379\n\nbind 127.0.0.42\n");
  });

  it("of an upstream build takes the package's paths for pid, log and data", () => {
    const stock = "daemonize no\npidfile /var/run/redis_6379.pid\nlogfile \"\"\ndir ./\n";
    expect(debianisedConf(stock, "valkey")).toBe(
      "daemonize no\npidfile /run/valkey/valkey-server.pid\nlogfile /var/log/valkey/valkey-server.log\ndir /var/lib/valkey\n",
    );
  });

  it("of an upstream build runs under a unit like Debian's: notify, its own user, its runtime dir", () => {
    const unit = upstreamUnit({
      name: "redis-6.2.16",
      flavor: "redis",
      version: "6.2.16",
      binDir: "/x/bin",
      server: "/x/bin/redis-server",
      cli: "/x/bin/redis-cli",
      stockConf: "/x/redis.conf",
    });
    expect(unit).toContain("Type=notify");
    expect(unit).toContain("ExecStart=/usr/bin/redis-server /etc/redis/redis.conf --supervised systemd --daemonize no");
    expect(unit).toContain("User=redis");
    expect(unit).toContain("RuntimeDirectory=redis");
    expect(unit).toContain("WantedBy=multi-user.target");
  });
});

describe("packages", () => {
  it("count as installed only with dpkg's `install ok installed`", () => {
    const out = "redis-server\tinstall ok installed\nredis-tools\tdeinstall ok config-files\nlibc6:amd64\tinstall ok installed\n";
    const m = parseDpkgStatus(out, ["redis-server", "redis-tools", "valkey-server", "libc6"]);
    expect(Object.fromEntries(m)).toEqual({ "redis-server": true, "redis-tools": false, "valkey-server": false, libc6: true });
  });

  it("name the upstream version inside a Debian version", () => {
    expect(upstreamOfDebianVersion("5:7.0.15-1~deb12u7")).toBe("7.0.15");
    expect(upstreamOfDebianVersion("8.1.1+dfsg1-3")).toBe("8.1.1");
    expect(upstreamOfDebianVersion("5:6.0.16-1+deb11u2")).toBe("6.0.16");
    expect(upstreamOfDebianVersion("(none)")).toBeNull();
  });

  it("of Valkey are laid out under Valkey's own names", () => {
    expect(debianLayout("valkey")).toMatchObject({
      config_file: "/etc/valkey/valkey.conf",
      service: "valkey-server",
      package: "valkey-server",
      user: "valkey",
      cli: "/usr/bin/valkey-cli",
      dir: "/var/lib/valkey",
    });
    expect(debianLayout("redis")).toMatchObject({ config_file: "/etc/redis/redis.conf", service: "redis-server", user: "redis" });
  });
});
