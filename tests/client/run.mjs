// Runs one scenario against the server at BASE_URL and prints one JSON result on stdout.
//
//   BASE_URL=http://127.0.0.1:8000 node run.mjs accept         run it
//   node run.mjs lifecycle --requires                          the agent methods it needs (JSON list)
//
// Exit codes: 0 passed, 1 failed (assertion or unexpected error), 2 usage,
// 3 an agent method answered 501 Not Implemented (the result names it).
import { readdirSync } from "node:fs";
import { AssertionFailed, NotImplemented, Recorder, baseUrl, describeHttpError } from "./lib/harness.mjs";

const SCENARIOS = readdirSync(new URL("./scenarios/", import.meta.url))
  .filter((name) => name.endsWith(".mjs"))
  .map((name) => name.slice(0, -4));

function finish(code, result) {
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  process.exitCode = code;
}

const [name, flag] = process.argv.slice(2);
if (!SCENARIOS.includes(name)) {
  finish(2, { ok: false, error: `usage: node run.mjs <${SCENARIOS.join("|")}> [--requires]` });
} else {
  const scenario = await import(`./scenarios/${name}.mjs`);
  if (flag === "--requires") {
    process.stdout.write(JSON.stringify(scenario.requires) + "\n");
  } else {
    await run(scenario);
  }
}

async function run(scenario) {
  const t = new Recorder();
  const head = {
    scenario: name,
    tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
    offsetMinutes: -new Date().getTimezoneOffset(),
  };
  try {
    head.baseUrl = baseUrl();
    const summary = await scenario.default(t);
    finish(0, { ...head, ok: true, steps: t.steps, summary });
  } catch (err) {
    const error = { step: err.step ?? null, type: err.name, message: err.message };
    if (err instanceof NotImplemented) {
      finish(3, { ...head, ok: false, notImplemented: [err.method], error: { ...error, body: err.body }, steps: t.steps });
      return;
    }
    if (err instanceof AssertionFailed) error.details = err.details;
    const http = describeHttpError(err);
    if (http) error.http = http;
    else if (!(err instanceof AssertionFailed)) error.stack = err.stack;
    finish(1, { ...head, ok: false, error, steps: t.steps });
  }
}
