// The deployment files (Dockerfile, deploy/kubernetes/, deploy/docker-compose.yml)
// checked against the gateway itself: no Docker engine or cluster runs here, so every
// port, path, probe and config key they name is compared with what `tributary` serves
// and accepts, the configs they carry go through `tributary check`, and the probes are
// run against a real gateway started from the Kubernetes config.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'tributary.js');
const K8S = path.join(ROOT, 'deploy', 'kubernetes');

// What the gateway serves (README "Health", "Config reference").
const GATEWAY_DEFAULT_PORT = 4000;
const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;
const LIVENESS_PATH = '/healthz';
const READINESS_PATH = '/readyz';
const DEFAULT_CONFIG_FILE = '.meshrc.yaml';

// Kubernetes' own group/version for every kind these files use (autoscaling/v2 is the
// stable HPA API since 1.23; policy/v1 the PodDisruptionBudget since 1.21).
const API_VERSIONS: Record<string, string> = {
  ConfigMap: 'v1',
  Service: 'v1',
  Deployment: 'apps/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  PodDisruptionBudget: 'policy/v1',
};

type Obj = Record<string, any>;

// ---------- the files ----------

function manifests(): Array<{ file: string; doc: Obj }> {
  const out: Array<{ file: string; doc: Obj }> = [];
  for (const file of readdirSync(K8S)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    for (const document of parseAllDocuments(readFileSync(path.join(K8S, file), 'utf8'))) {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
      const doc = document.toJS() as Obj | null;
      if (doc !== null) out.push({ file, doc });
    }
  }
  return out;
}

function find(kind: string, name: string): Obj {
  const hit = manifests().find(({ doc }) => doc.kind === kind && doc.metadata?.name === name);
  if (!hit) throw new Error(`no ${kind} named "${name}" in deploy/kubernetes`);
  return hit.doc;
}

const gateway = () => find('Deployment', 'tributary');
const gatewayContainer = () => gateway().spec.template.spec.containers[0] as Obj;

/** The config file inside the ConfigMap that the gateway's pod mounts over the default config. */
function mountedConfig(): { text: string; config: Obj; mountPath: string } {
  const pod = gateway().spec.template.spec;
  const mount = (gatewayContainer().volumeMounts as Obj[]).find((m) => m.mountPath.endsWith(`/${DEFAULT_CONFIG_FILE}`));
  if (!mount) throw new Error(`the gateway container mounts no ${DEFAULT_CONFIG_FILE}`);
  const volume = (pod.volumes as Obj[]).find((v) => v.name === mount.name);
  const configMap = find('ConfigMap', volume!.configMap.name);
  const text = configMap.data[mount.subPath] as string;
  if (typeof text !== 'string') throw new Error(`ConfigMap ${configMap.metadata.name} has no key "${mount.subPath}"`);
  return { text, config: parse(text) as Obj, mountPath: mount.mountPath };
}

interface Instruction {
  readonly op: string;
  readonly args: string;
}

/** Dockerfile instructions in order, continuation lines joined, comments dropped. */
function dockerfile(): Instruction[] {
  const logical = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n');
  return logical
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [, op, args] = /^(\S+)\s*(.*)$/.exec(line)!;
      return { op: op!.toUpperCase(), args: args!.trim() };
    });
}

/** `ARG NAME=default` values (the last one wins, as in a later stage). */
function dockerArgs(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { op, args } of dockerfile()) {
    const m = op === 'ARG' ? /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(args) : null;
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

function expand(text: string, args: Record<string, string>): string {
  return text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => args[name] ?? whole);
}

/** The instructions of the last stage (the image that runs). */
function runtimeStage(): Instruction[] {
  const all = dockerfile();
  const last = all.map((i) => i.op).lastIndexOf('FROM');
  return all.slice(last);
}

/** Seconds of a compose duration such as `40s` or `1m30s`. */
function composeSeconds(value: string): number {
  let total = 0;
  for (const [, n, unit] of value.matchAll(/(\d+(?:\.\d+)?)(h|m|s|ms)/g))
    total += Number(n) * { h: 3600, m: 60, s: 1, ms: 0.001 }[unit as 'h' | 'm' | 's' | 'ms'];
  return total;
}

// ---------- tributary check on a config ----------

interface Run {
  readonly code: number | null;
  readonly output: string;
}

function runNode(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, TRIBUTARY_CACHE_DIR: 'off', ...env } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'tributary-deploy-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/**
 * Writes `text` as `.meshrc.yaml` in a new folder with copies of the spec files it names,
 * taken from the repository root: the image's working directory (/app) is the repository,
 * so that is where a mounted config's relative paths resolve.
 */
async function stage(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(scratch, 'config-'));
  for (const source of ((parse(text) as Obj).sources ?? []) as Obj[]) {
    const spec = source.handler?.openapi?.source as string | undefined;
    if (!spec || /^https?:/.test(spec)) continue;
    await mkdir(path.dirname(path.join(dir, spec)), { recursive: true });
    await writeFile(path.join(dir, spec), await readFile(path.join(ROOT, spec)));
  }
  const file = path.join(dir, DEFAULT_CONFIG_FILE);
  await writeFile(file, text);
  return file;
}

const check = (file: string) => runNode([BIN, 'check', '--config', file], { REDIS_URL: 'redis://127.0.0.1:6379', NODE_ENV: 'production' });

// ---------- Kubernetes ----------

describe('deploy/kubernetes', () => {
  it('every manifest parses as YAML and uses the apiVersion Kubernetes serves for its kind', () => {
    const all = manifests();
    expect(new Set(all.map(({ doc }) => doc.kind))).toEqual(new Set(Object.keys(API_VERSIONS)));
    for (const { file, doc } of all) {
      expect(API_VERSIONS[doc.kind], `${file}: kind ${doc.kind}`).toBeDefined();
      expect(doc.apiVersion, `${file}: ${doc.kind} ${doc.metadata?.name}`).toBe(API_VERSIONS[doc.kind]);
      // RFC 1123 label: what Services (and so every name here) must be.
      expect(doc.metadata?.name, `${file}: ${doc.kind}`).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    }
  });

  it("the gateway's container port, probes and Service are the gateway's port and health paths", () => {
    const { config } = mountedConfig();
    const container = gatewayContainer();
    const port = (container.ports as Obj[]).find((p) => p.name === 'http')!;
    expect(port.containerPort).toBe(config.tributary?.server?.port ?? GATEWAY_DEFAULT_PORT);
    expect(port.containerPort).toBe(GATEWAY_DEFAULT_PORT); // the image's EXPOSE and HEALTHCHECK use it
    const resolvePort = (p: string | number) => (typeof p === 'number' ? p : (container.ports as Obj[]).find((c) => c.name === p)?.containerPort);
    const probes = [
      ['livenessProbe', LIVENESS_PATH],
      ['readinessProbe', READINESS_PATH],
      ['startupProbe', LIVENESS_PATH],
    ] as const;
    for (const [probe, expected] of probes) {
      expect(container[probe]?.httpGet?.path, probe).toBe(expected);
      expect(resolvePort(container[probe].httpGet.port), probe).toBe(GATEWAY_DEFAULT_PORT);
    }
    // The readiness probe must see the 503 of a draining pod at its first failure.
    expect(container.readinessProbe.failureThreshold).toBe(1);

    const service = find('Service', 'tributary');
    expect(resolvePort(service.spec.ports[0].targetPort)).toBe(GATEWAY_DEFAULT_PORT);
    const labels = gateway().spec.template.metadata.labels;
    expect(labels).toMatchObject(gateway().spec.selector.matchLabels);
    expect(labels).toMatchObject(service.spec.selector);
    expect(labels).toMatchObject(find('PodDisruptionBudget', 'tributary').spec.selector.matchLabels);
  });

  it('the pod outlives the drain: terminationGracePeriodSeconds > shutdownGraceMs, and no preStop sleep', () => {
    const { config } = mountedConfig();
    const graceMs = config.tributary?.server?.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    const pod = gateway().spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(graceMs / 1000);
    expect(gatewayContainer().lifecycle?.preStop).toBeUndefined();
  });

  it('mounts the ConfigMap over the default config of `tributary start` in the image', () => {
    const { mountPath } = mountedConfig();
    const workdir = runtimeStage()
      .filter((i) => i.op === 'WORKDIR')
      .at(-1)!.args;
    expect(mountPath).toBe(path.posix.join(workdir, DEFAULT_CONFIG_FILE));
    // The load cache is somewhere writable: the root filesystem is read-only.
    const container = gatewayContainer();
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    const cacheDir = (container.env as Obj[]).find((e) => e.name === 'TRIBUTARY_CACHE_DIR')?.value;
    expect((container.volumeMounts as Obj[]).map((m) => m.mountPath)).toContain(cacheDir);
    // The image's user: not root.
    const pod = gateway().spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).not.toBe(0);
  });

  it('rate limits and the cache use the Redis of redis.yaml, through REDIS_URL', () => {
    const { config } = mountedConfig();
    const policies = config.tributary.policies;
    expect(policies.rateLimit.store).toBe('redis');
    expect(policies.cache.store).toBe('redis');
    expect(policies.rateLimit.redisUrl).toBe('{env.REDIS_URL}');
    expect(policies.cache.redisUrl).toBe('{env.REDIS_URL}');
    const url = new URL((gatewayContainer().env as Obj[]).find((e) => e.name === 'REDIS_URL')!.value);
    const service = find('Service', url.hostname);
    expect(Number(url.port)).toBe(service.spec.ports[0].port);
    const redis = find('Deployment', url.hostname);
    expect(redis.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    const redisPorts = redis.spec.template.spec.containers[0].ports as Obj[];
    expect(redisPorts.find((p) => p.name === service.spec.ports[0].targetPort)?.containerPort).toBe(6379);
  });

  it('the HorizontalPodAutoscaler scales the gateway Deployment on a resource its container requests', () => {
    const hpa = find('HorizontalPodAutoscaler', 'tributary');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: gateway().metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
    for (const metric of hpa.spec.metrics as Obj[]) {
      expect(metric.type).toBe('Resource');
      expect(gatewayContainer().resources.requests[metric.resource.name], metric.resource.name).toBeDefined();
    }
  });

  it("the ConfigMap's config passes `tributary check`, and a misspelt key in it does not", async () => {
    const { text } = mountedConfig();
    const ok = await check(await stage(text));
    expect(ok.output).toMatch(/Unified schema: \d+ query fields/);
    expect(ok.code, ok.output).toBe(0);

    // The check is strict: the same config with one unknown policy key is refused.
    const misspelt = text.replace(/^( *)onStoreDown: open$/m, '$1onStoreDown: open\n$1onStoreDwn: open');
    expect(misspelt).not.toBe(text);
    const bad = await check(await stage(misspelt));
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('CONFIG_INVALID');
    expect(bad.output).toContain('tributary.policies.rateLimit: unknown key "onStoreDwn"');
  });
});

// ---------- the probes against a real gateway ----------

describe("the image's HEALTHCHECK and the pod's probes against a gateway started from the ConfigMap's config", () => {
  let child: ChildProcess;
  let port: number;
  let output = '';

  beforeAll(async () => {
    const file = await stage(mountedConfig().text);
    // Redis is not running: both policies are open when their store is down.
    child = spawn(process.execPath, [BIN, 'start', '--config', file, '--port', '0', '--host', '127.0.0.1'], {
      cwd: ROOT,
      env: { ...process.env, TRIBUTARY_CACHE_DIR: 'off', NODE_ENV: 'production', REDIS_URL: 'redis://127.0.0.1:1' },
    });
    child.stderr!.on('data', (d) => (output += d));
    port = await new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        output += d;
        const m = /serving http:\/\/[^:/]+:(\d+)\//.exec(output);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`gateway exited with ${code}\n${output}`)));
    });
  });
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  /** The HEALTHCHECK's command, aimed at `at` instead of the image's fixed port. */
  function healthcheck(at: number): string[] {
    const instruction = runtimeStage().find((i) => i.op === 'HEALTHCHECK')!;
    const exec = JSON.parse(instruction.args.slice(instruction.args.indexOf('CMD') + 3).trim()) as string[];
    expect(exec.join(' ')).toContain(`127.0.0.1:${GATEWAY_DEFAULT_PORT}${LIVENESS_PATH}`);
    return exec.map((part) => part.replace(`:${GATEWAY_DEFAULT_PORT}/`, `:${at}/`));
  }

  it('HEALTHCHECK is node fetching /healthz (no curl in a slim image) and passes', async () => {
    const [cmd, ...args] = healthcheck(port);
    expect(cmd).toBe('node');
    const run = await runNode(args);
    expect(run.code, run.output).toBe(0);
  });

  it('the probe paths answer 200 once the schema is served', async () => {
    const container = gatewayContainer();
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      // /readyz is 503 until the schema is built; the gateway listens before that.
      let status = 0;
      for (let attempt = 0; attempt < 300 && status !== 200; attempt++) {
        status = (await fetch(`http://127.0.0.1:${port}${container[probe].httpGet.path}`)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status, probe).toBe(200);
    }
  });

  it('SIGTERM (the STOPSIGNAL) ends it with exit code 0; the HEALTHCHECK then fails', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited, output).toBe(0);
    const [, ...args] = healthcheck(port);
    expect((await runNode(args)).code).toBe(1);
  });
});

// ---------- Dockerfile ----------

describe('Dockerfile', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Obj;

  it('builds on a Node 24 LTS image in two stages', () => {
    const froms = dockerfile().filter((i) => i.op === 'FROM');
    expect(froms).toHaveLength(2);
    for (const from of froms) expect(expand(from.args, dockerArgs())).toMatch(/^node:24[-.\w]*\s+AS\s+\w+$/i);
  });

  it('runs only npm commands and package.json scripts that exist, in order: ci, build, prune to production', () => {
    const runs = dockerfile()
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args);
    const npm = runs.flatMap((r) => [...r.matchAll(/\bnpm (ci|run \S+|prune)\b[^&;]*/g)].map((m) => m[0].trim()));
    for (const command of npm.filter((c) => c.startsWith('npm run '))) {
      expect(pkg.scripts[command.split(/\s+/)[2]!], command).toBeDefined();
    }
    const at = (prefix: string) => npm.findIndex((c) => c.startsWith(prefix));
    expect(at('npm ci')).toBeGreaterThanOrEqual(0);
    expect(at('npm run build')).toBeGreaterThan(at('npm ci'));
    expect(npm[at('npm prune')]).toContain('--omit=dev');
    expect(at('npm prune')).toBeGreaterThan(at('npm run build'));
  });

  it("bakes a config that `tributary check` passes, at the path `start` reads, as the image's non-root user", async () => {
    const stage2 = runtimeStage();
    const args = dockerArgs();
    const baked = args.TRIBUTARY_CONFIG!;
    expect(existsSync(path.join(ROOT, baked)), baked).toBe(true);
    const copy = stage2.find((i) => i.op === 'COPY' && i.args.includes('${TRIBUTARY_CONFIG}'))!;
    expect(copy.args.split(/\s+/).at(-1)).toBe(`./${DEFAULT_CONFIG_FILE}`);

    const checkAt = stage2.findIndex((i) => i.op === 'RUN' && i.args.startsWith('node bin/tributary.js check'));
    expect(checkAt).toBeGreaterThan(0);
    expect(stage2[checkAt]!.args).toBe(`node bin/tributary.js check --config ${DEFAULT_CONFIG_FILE}`);
    const user = stage2
      .slice(0, checkAt)
      .filter((i) => i.op === 'USER')
      .at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(stage2.slice(checkAt).some((i) => i.op === 'USER')).toBe(false);

    // The very command of that RUN, on the very file it bakes (with its specs beside it).
    const run = await check(await stage(readFileSync(path.join(ROOT, baked), 'utf8')));
    expect(run.code, run.output).toBe(0);
  });

  it('serves on 4000 as PID 1 of an exec-form CMD that gets SIGTERM itself', () => {
    const stage2 = runtimeStage();
    const only = (op: string) => stage2.filter((i) => i.op === op).map((i) => i.args);
    expect(only('EXPOSE')).toEqual([String(GATEWAY_DEFAULT_PORT)]);
    expect(only('STOPSIGNAL')).toEqual(['SIGTERM']);
    const cmd = JSON.parse(only('CMD')[0]!) as string[];
    expect(cmd).toEqual(['node', 'bin/tributary.js', 'start']);
    expect(pkg.bin.tributary).toBe(cmd[1]);
    expect(only('ENTRYPOINT')).toEqual([]);
    const healthcheck = only('HEALTHCHECK')[0]!;
    expect(healthcheck).toMatch(/CMD \[/); // exec form: no shell needed in the image
    expect(healthcheck).not.toMatch(/\b(curl|wget)\b/);
  });

  it('.dockerignore keeps every file the build and the baked config need', () => {
    const patterns = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    const glob = (p: string) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
    const baked = dockerArgs().TRIBUTARY_CONFIG!;
    const specs = (((parse(readFileSync(path.join(ROOT, baked), 'utf8')) as Obj).sources ?? []) as Obj[]).map((s) =>
      path.posix.normalize(s.handler.openapi.source),
    );
    const needed = [
      'package.json',
      'package-lock.json',
      'bin/tributary.js',
      'bin/entry.js',
      'scripts/build.ts',
      'tsconfig.json',
      'tsconfig.build.json',
      'src/cli.ts',
      baked,
      ...specs,
    ];
    for (const file of needed) {
      expect(existsSync(path.join(ROOT, file)), file).toBe(true);
      expect(
        patterns.filter((p) => glob(p).test(file)),
        file,
      ).toEqual([]);
    }
    for (const excluded of ['node_modules', 'dist', '.git']) expect(patterns).toContain(excluded);
  });
});

// ---------- docker compose ----------

describe('deploy/docker-compose.yml', () => {
  const compose = () => parse(readFileSync(path.join(ROOT, 'deploy', 'docker-compose.yml'), 'utf8')) as Obj;

  it('runs the gateway on a mounted config that `tributary check` passes, with Redis, stopped after its drain', async () => {
    const { services } = compose();
    const gw = services.gateway as Obj;
    const mount = (gw.volumes as string[]).map((v) => v.split(':')).find(([, target]) => target === `/app/${DEFAULT_CONFIG_FILE}`);
    expect(mount, 'a config mounted over /app/.meshrc.yaml').toBeDefined();
    const file = path.join(ROOT, 'deploy', mount![0]!);
    const text = readFileSync(file, 'utf8');
    const config = parse(text) as Obj;
    expect(config.tributary.policies.rateLimit.store).toBe('redis');
    expect(config.tributary.policies.cache.store).toBe('redis');
    expect(new URL(gw.environment.REDIS_URL).hostname).toBe('redis');
    expect(services.redis).toBeDefined();
    expect(composeSeconds(gw.stop_grace_period)).toBeGreaterThan((config.tributary.server?.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS) / 1000);
    expect(gw.stop_signal).toBe('SIGTERM');

    // The gateway shares the demo's network namespace: its port is published there.
    expect(gw.network_mode).toBe('service:demo');
    expect(services.demo.ports).toContain(`${GATEWAY_DEFAULT_PORT}:${config.tributary.server?.port ?? GATEWAY_DEFAULT_PORT}`);
    expect(services.demo.command.slice(0, 3)).toEqual(['node', 'bin/tributary.js', 'demo']);

    const run = await check(await stage(text));
    expect(run.code, run.output).toBe(0);
  });
});
