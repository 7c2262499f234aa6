// Shows a Redis command for a plan or a message without the passwords it may carry (AUTH,
// HELLO ... AUTH, CONFIG SET requirepass/masterauth, MIGRATE ... AUTH/AUTH2, ACL SETUSER >pw).
// The secrets found are returned too, so they can be registered for redaction everywhere.

/** A command as it may be shown, and the values hidden from it. */
export interface MaskedCommand {
  display: string;
  secrets: string[];
}

const SECRET_CONFIG = /pass|auth/i;

export function maskCommand(args: string[]): MaskedCommand {
  const secret = new Set<number>();
  const name = (args[0] ?? "").toUpperCase();
  const sub = (args[1] ?? "").toUpperCase();
  const upper = args.map((a) => a.toUpperCase());
  if (name === "AUTH") {
    if (args.length >= 2) secret.add(args.length - 1);
  } else if (name === "HELLO") {
    const at = upper.indexOf("AUTH");
    if (at > 0 && at + 2 < args.length) secret.add(at + 2);
  } else if (name === "CONFIG" && sub === "SET") {
    for (let i = 2; i + 1 < args.length; i += 2) if (SECRET_CONFIG.test(args[i]!)) secret.add(i + 1);
  } else if (name === "MIGRATE") {
    const auth = upper.indexOf("AUTH");
    if (auth > 0 && auth + 1 < args.length) secret.add(auth + 1);
    const auth2 = upper.indexOf("AUTH2");
    if (auth2 > 0 && auth2 + 2 < args.length) secret.add(auth2 + 2);
  }
  const secrets: string[] = [];
  const shown = args.map((a, i) => {
    if (secret.has(i)) {
      secrets.push(a);
      return "***";
    }
    if (name === "ACL" && sub === "SETUSER" && i >= 3 && /^[>#<!]/.test(a) && a.length > 1) {
      secrets.push(a.slice(1));
      return `${a[0]}***`;
    }
    return /[\s"']/.test(a) || a === "" ? JSON.stringify(a) : a;
  });
  return { display: shown.join(" "), secrets };
}
