import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookRunner } from '../../src/webhooks/runner.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { requireProgram } from '../helpers/relay.js';

/**
 * The Python and Go verifiers printed in docs/webhooks.md, run by python3 and by a Go program
 * built from the snippet, on requests Mailroom really sent: each accepts them (with one signature
 * and with two during a rotation) and refuses one whose body was changed. A reader copying a
 * snippet gets code that works. (The Node example uses the `standardwebhooks` package, which
 * every delivery test verifies with.) Go is not part of every machine: without a `go` toolchain
 * the Go check is skipped with a warning (never under CI=true: the toolchain is required there).
 */
const doc = readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
const python = /```python\n([\s\S]*?)```/.exec(doc)![1];

function pythonVerifies(secret: string, headers: Record<string, string>, body: string): boolean {
  const script = `${python}\nimport json, sys\nd = json.load(sys.stdin)\ntry:\n    verify(d["secret"], d["headers"], d["body"].encode())\n    print("ok")\nexcept ValueError as e:\n    print("refused:", e)\n`;
  const out = execFileSync('python3', ['-c', script], { input: JSON.stringify({ secret, headers, body }), encoding: 'utf8' }).trim();
  return out === 'ok';
}

const go = /```go\n([\s\S]*?)```/.exec(doc)![1];
// With CI=true the toolchain must be there (.ci/run installs golang-go); elsewhere the Go check is skipped with a warning (never under CI=true: the toolchain is required there).
const haveGo = requireProgram('/usr/bin/go', 'golang-go') && spawnSync('go', ['version']).status === 0;

/** The Go snippet as a program: reads { secret, headers, body } on stdin, prints "ok" or why it refused. */
function buildGoVerifier(dir: string): string {
  const program = `package main\n\n${go.replace('import (\n', 'import (\n\t"encoding/json"\n\t"fmt"\n\t"os"\n')}
func main() {
\tvar d struct {
\t\tSecret  string            \`json:"secret"\`
\t\tHeaders map[string]string \`json:"headers"\`
\t\tBody    string            \`json:"body"\`
\t}
\tif err := json.NewDecoder(os.Stdin).Decode(&d); err != nil {
\t\tpanic(err)
\t}
\th := http.Header{}
\tfor k, v := range d.Headers {
\t\th.Set(k, v)
\t}
\tif err := Verify(d.Secret, h, []byte(d.Body)); err != nil {
\t\tfmt.Println("refused:", err)
\t\treturn
\t}
\tfmt.Println("ok")
}
`;
  writeFileSync(path.join(dir, 'main.go'), program);
  const bin = path.join(dir, 'verify');
  execFileSync('go', ['build', '-o', bin, 'main.go'], { cwd: dir, env: { ...process.env, GOCACHE: path.join(dir, 'cache'), GOPATH: path.join(dir, 'gopath'), GO111MODULE: 'off' }, stdio: 'pipe' });
  return bin;
}

describe('the documented Python and Go verifiers', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let runner: WebhookRunner;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    runner = await t.app.startWebhooks({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  it('accepts what Mailroom signs and refuses a changed body, also during a rotation', async () => {
    const e = (await t.request({ method: 'POST', url: '/api/v1/webhooks', payload: { url: receiver.url, events: ['message.sent'] } })).json();
    await t.request({ method: 'POST', url: `/api/v1/webhooks/${e.id}/test` });
    await runner.drain();
    const [w] = receiver.received;
    const headers = { 'webhook-id': w.id, 'webhook-timestamp': w.timestamp, 'webhook-signature': w.signature };
    expect(pythonVerifies(e.secret, headers, w.body)).toBe(true);
    expect(pythonVerifies(e.secret, headers, w.body.replace('webhook.test', 'webhook.tesT'))).toBe(false);

    const rotated = (await t.request({ method: 'POST', url: `/api/v1/webhooks/${e.id}/rotate-secret`, payload: { graceSec: 3600 } })).json();
    await t.request({ method: 'POST', url: `/api/v1/webhooks/${e.id}/test` });
    await runner.drain();
    const two = receiver.received[1];
    const h2 = { 'webhook-id': two.id, 'webhook-timestamp': two.timestamp, 'webhook-signature': two.signature };
    expect(two.signature.split(' ')).toHaveLength(2);
    expect(pythonVerifies(e.secret, h2, two.body)).toBe(true);
    expect(pythonVerifies(rotated.secret, h2, two.body)).toBe(true);
  });

  it.runIf(haveGo)('the Go function accepts what Mailroom signs and refuses a changed body, also during a rotation', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mailroom-go-verify-'));
    try {
      const bin = buildGoVerifier(dir);
      const goVerifies = (secret: string, headers: Record<string, string>, body: string) => execFileSync(bin, { input: JSON.stringify({ secret, headers, body }), encoding: 'utf8' }).trim() === 'ok';
      const e = (await t.request({ method: 'POST', url: '/api/v1/webhooks', payload: { url: receiver.url, events: ['message.sent'] } })).json();
      const before = receiver.received.length;
      await t.request({ method: 'POST', url: `/api/v1/webhooks/${e.id}/test` });
      await runner.drain();
      const w = receiver.received[before];
      const headers = { 'webhook-id': w.id, 'webhook-timestamp': w.timestamp, 'webhook-signature': w.signature };
      expect(goVerifies(e.secret, headers, w.body)).toBe(true);
      expect(goVerifies(e.secret, headers, w.body.replace('webhook.test', 'webhook.tesT'))).toBe(false);
      expect(goVerifies(e.secret, { ...headers, 'webhook-timestamp': String(Number(w.timestamp) - 600) }, w.body)).toBe(false);

      const rotated = (await t.request({ method: 'POST', url: `/api/v1/webhooks/${e.id}/rotate-secret`, payload: { graceSec: 3600 } })).json();
      await t.request({ method: 'POST', url: `/api/v1/webhooks/${e.id}/test` });
      await runner.drain();
      const two = receiver.received[before + 1];
      const h2 = { 'webhook-id': two.id, 'webhook-timestamp': two.timestamp, 'webhook-signature': two.signature };
      expect(two.signature.split(' ')).toHaveLength(2);
      expect(goVerifies(e.secret, h2, two.body)).toBe(true);
      expect(goVerifies(rotated.secret, h2, two.body)).toBe(true);
      expect(goVerifies('whsec_' + Buffer.alloc(32, 7).toString('base64'), h2, two.body)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
