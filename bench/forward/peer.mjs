// The Node peer: npm email-forward-parser over the same JSON Lines that `trellin parse --text`
// reads, one JSON result per line, so both are timed doing the same work as whole processes.
import EmailForwardParser from "email-forward-parser";
import { createInterface } from "node:readline";

const parser = new EmailForwardParser();
const out = [];
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  const input = JSON.parse(line);
  const result = parser.read(input.body, input.subject ?? null);
  out.push(JSON.stringify({ id: input.id, ...result }));
  if (out.length >= 1000) { process.stdout.write(out.join("\n") + "\n"); out.length = 0; }
}
if (out.length) process.stdout.write(out.join("\n") + "\n");
