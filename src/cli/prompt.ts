// Questions asked on the terminal: the become password (-K) without echo, and --step's
// confirmation before each task. When stdin is not a terminal, answers are read as lines from it.
import { createInterface } from "node:readline";
import { Writable } from "node:stream";

let piped: AsyncIterator<string> | undefined;

/** The next line of a stdin that is not a terminal (one reader for every question, so no line is lost). */
async function nextPipedLine(): Promise<string> {
  piped ??= createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
  const r = await piped.next();
  if (r.done) throw new Error("no answer: standard input was closed");
  return r.value;
}

/** Reads one line from stdin after showing `question` on stderr; with `secret`, typing is not echoed. */
export async function ask(question: string, opts: { secret?: boolean } = {}): Promise<string> {
  const tty = Boolean(process.stdin.isTTY);
  if (!tty) {
    process.stderr.write(question);
    const line = await nextPipedLine();
    process.stderr.write("\n");
    return line;
  }
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: tty });
  return new Promise((resolve, reject) => {
    let answered = false;
    rl.question(question, (answer) => {
      answered = true;
      if (opts.secret && tty) process.stderr.write("\n");
      rl.close();
      resolve(answer);
    });
    muted = Boolean(opts.secret);
    rl.on("close", () => {
      if (!answered) reject(new Error("no answer: standard input was closed"));
    });
  });
}

/** `--step`: asks before each task, as ansible-playbook does; "c" stops asking for the rest of the run. */
export function stepper(askFn: (q: string) => Promise<string> = ask): (taskName: string) => Promise<boolean> {
  let continueAll = false;
  return async (taskName) => {
    if (continueAll) return true;
    for (;;) {
      const answer = (await askFn(`Perform task: TASK: ${taskName} (N)o/(y)es/(c)ontinue: `)).trim().toLowerCase();
      if (answer === "y" || answer === "yes") return true;
      if (answer === "c" || answer === "continue") {
        continueAll = true;
        return true;
      }
      if (answer === "" || answer === "n" || answer === "no") return false;
    }
  };
}
