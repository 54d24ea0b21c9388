/**
 * `npm run load:<scenario>` (rooms, chat, inference, moderation): runs
 * load/<scenario>.yml with Artillery against TARGET, or against a server it
 * starts on loopback (fresh embedded database, a moderator account for the
 * moderation scenario) and stops afterwards. Installs load/'s own
 * dependencies first when they are missing. Prints the key figures, writes
 * load/results/<scenario>.json (figures) and <scenario>.artillery.json (the
 * full report), and exits non-zero when an `ensure` check fails.
 *
 * Environment: TARGET (http://host:port; the server is then not started),
 * MODERATOR_LOGIN / MODERATOR_PASSWORD (moderation against a TARGET),
 * LOAD_ALLOW_REMOTE=1 (TARGET off loopback), LOAD_OVERRIDES (JSON Artillery
 * merges into the scenario, e.g. smaller phases), SERVER_ENV (extra `K=V,K=V` for
 * the server it starts), and the server's own
 * variables (model folders…), which pass through.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCENARIOS = ['rooms', 'chat', 'inference', 'moderation'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** Histograms and counters worth printing, per scenario. */
const FIGURES: Record<Scenario, { histograms: string[]; counters: string[] }> = {
  rooms: {
    histograms: ['colyseus.join_time', 'colyseus.move_seen'],
    counters: ['colyseus.joined', 'colyseus.moves_sent', 'colyseus.disconnected', 'colyseus.dropped', 'colyseus.corrections', 'colyseus.server_errors'],
  },
  chat: {
    histograms: ['colyseus.join_time', 'chat.bubble_own', 'chat.tag', 'chat.badge_others', 'colyseus.move_seen'],
    counters: ['colyseus.joined', 'chat.sent', 'chat.tagged', 'chat.held', 'chat.untagged', 'colyseus.disconnected', 'colyseus.server_errors'],
  },
  inference: {
    histograms: ['http.response_time'],
    counters: ['http.requests', 'http.codes.200', 'http.codes.503', 'http.codes.504'],
  },
  moderation: {
    histograms: ['moderation.connect_time', 'moderation.feed_latency', 'chat.bubble_own', 'chat.tag'],
    counters: ['moderation.events', 'moderation.disconnected', 'chat.sent', 'chat.held', 'colyseus.disconnected'],
  },
};

const LOAD_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(LOAD_DIR, '..');
const ARTILLERY = join(LOAD_DIR, 'node_modules', '.bin', 'artillery');
const TSX_LOADER = join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');
const RESULTS = join(LOAD_DIR, 'results');
const MODERATOR = { login: 'loadtest', password: 'load-test-password-1' };

interface Summary {
  min: number;
  max: number;
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
}

interface ArtilleryReport {
  aggregate: { counters: Record<string, number>; summaries: Record<string, Summary> };
}

function die(message: string): never {
  console.error(message);
  process.exit(2);
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Artillery (about 1000 packages) lives in load/node_modules, installed on first use. */
function ensureArtillery(): void {
  if (existsSync(ARTILLERY)) return;
  console.log('[load] installing load/ dependencies (Artillery, about 3 minutes)…');
  // flock: one npm install at a time on a shared machine.
  const npm = ['npm', 'install', '--prefix', LOAD_DIR, '--no-audit', '--no-fund'];
  const hasFlock = spawnSync('flock', ['--version']).status === 0;
  const run = spawnSync(hasFlock ? 'flock' : npm[0]!, hasFlock ? ['/tmp/npm.lock', ...npm] : npm.slice(1), {
    stdio: 'inherit',
    // Artillery's Playwright engine would otherwise download a browser, which fails offline.
    env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
  if (run.status !== 0 || !existsSync(ARTILLERY)) die('[load] could not install load/ dependencies');
}

function parseServerEnv(text: string | undefined): Record<string, string> {
  if (!text) return {};
  return Object.fromEntries(
    text.split(',').map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) die(`SERVER_ENV: "${pair}" is not K=V`);
      return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    }),
  );
}

interface StartedServer {
  target: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The server as `npm start` runs it, from source, with its own embedded database in a temp folder. */
async function startServer(scenario: Scenario): Promise<StartedServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `metaverse-load-${scenario}-`));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ...parseServerEnv(process.env.SERVER_ENV) };
  const node = ['--import', TSX_LOADER];
  if (scenario === 'moderation' && !env.DATABASE_URL) {
    // PGlite allows one process per folder: create the account before the server opens it.
    const made = spawnSync(process.execPath, [...node, join(ROOT, 'server/src/moderation/createModerator.ts'), '--login', MODERATOR.login, '--role', 'moderator'], {
      cwd: ROOT,
      env: { ...env, MODERATOR_PASSWORD: MODERATOR.password },
      encoding: 'utf8',
    });
    if (made.status !== 0) die(`[load] could not create the moderator: ${made.stderr}`);
  }
  const child = spawn(process.execPath, [...node, join(ROOT, 'server/src/main.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d));
  child.stderr!.on('data', (d: Buffer) => (log += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const target = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) die(`[load] the server exited at start:\n${log}`);
    if (Date.now() > deadline) die(`[load] the server did not answer /healthz within 60 s:\n${log}`);
    const ok = await fetch(`${target}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log(`[load] server started at ${target} (pid ${child.pid})`);
  return {
    target,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))]);
      if (code === 'timeout') child.kill('SIGKILL');
      else if (code !== 0) console.warn(`[load] the server exited with ${code} on SIGTERM:\n${log.slice(-2000)}`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** CPU seconds a process has used so far (Linux), to report the server's share of the machine. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return undefined;
  }
}

/** A few of the server's own Prometheus figures after the run. */
async function serverMetrics(target: string): Promise<Record<string, number>> {
  const text = await fetch(`${target}/metrics`).then((r) => r.text(), () => '');
  const wanted = ['nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds', 'process_resident_memory_bytes'];
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [name, value] = line.split(' ');
    if (name && wanted.includes(name)) out[name] = Number(value);
  }
  return out;
}

const fmt = (n: number | undefined) => (n === undefined ? '-' : n >= 100 ? n.toFixed(0) : n.toFixed(1));

async function main(): Promise<number> {
  const scenario = process.argv[2] as Scenario;
  if (!SCENARIOS.includes(scenario)) die(`usage: tsx load/run.ts ${SCENARIOS.join('|')}`);
  ensureArtillery();
  mkdirSync(RESULTS, { recursive: true });

  const given = process.env.TARGET;
  if (given && !/^https?:\/\//.test(given)) die('TARGET must be http(s)://host:port');
  // A load test aimed at a shared or production host by mistake does real harm: loopback unless asked.
  if (given && !/^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:|\/|$)/.test(given) && process.env.LOAD_ALLOW_REMOTE !== '1') {
    die(`TARGET ${given} is not on loopback; set LOAD_ALLOW_REMOTE=1 to load-test another host`);
  }
  const server = given ? undefined : await startServer(scenario);
  const target = given ?? server!.target;
  const cpuBefore = cpuSeconds(server?.child.pid);
  const started = Date.now();

  const reportPath = join(RESULTS, `${scenario}.artillery.json`);
  rmSync(reportPath, { force: true }); // never read a previous run's report
  const moderator = scenario === 'moderation' && !given ? { MODERATOR_LOGIN: MODERATOR.login, MODERATOR_PASSWORD: MODERATOR.password } : {};
  // LOAD_OVERRIDES: JSON merged into the scenario file by Artillery, e.g. smaller phases for a quick try.
  const overrides = process.env.LOAD_OVERRIDES ? ['--overrides', process.env.LOAD_OVERRIDES] : [];
  const artillery = spawn(ARTILLERY, ['run', '--target', target, '--output', reportPath, ...overrides, join(LOAD_DIR, `${scenario}.yml`)], {
    cwd: LOAD_DIR,
    stdio: 'inherit',
    env: {
      ...process.env,
      ...moderator,
      // Node 22 first (require() of the ES-module engine), the engine on NODE_PATH, TypeScript through tsx.
      PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
      NODE_PATH: join(LOAD_DIR, 'engines'),
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${TSX_LOADER}`.trim(),
      ARTILLERY_DISABLE_TELEMETRY: 'true',
    },
  });
  // Sampled just before it exits: the load client shares this machine, and a saturated client adds its own delay to every figure.
  let clientCpu: number | undefined;
  const sampler = setInterval(() => (clientCpu = cpuSeconds(artillery.pid) ?? clientCpu), 1000);
  const exitCode = await new Promise<number>((r) => artillery.once('exit', (code) => r(code ?? 1)));
  clearInterval(sampler);
  const seconds = (Date.now() - started) / 1000;
  const cpuAfter = cpuSeconds(server?.child.pid);
  const metrics = server ? await serverMetrics(target) : {};
  await server?.stop();

  if (!existsSync(reportPath)) die(`[load] Artillery wrote no report (exit ${exitCode})`);
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as ArtilleryReport;
  const { counters, summaries } = report.aggregate;
  const figures = FIGURES[scenario];
  const result = {
    scenario,
    at: new Date().toISOString(),
    target: given ? target : 'a server started by load/run.ts on loopback',
    seconds: Math.round(seconds),
    passed: exitCode === 0,
    vusers: { created: counters['vusers.created'] ?? 0, completed: counters['vusers.completed'] ?? 0, failed: counters['vusers.failed'] ?? 0 },
    histograms: Object.fromEntries(
      figures.histograms.filter((h) => summaries[h]).map((h) => {
        const s = summaries[h]!;
        return [h, { count: s.count, p50: s.p50, p95: s.p95, p99: s.p99, max: s.max }];
      }),
    ),
    counters: Object.fromEntries(figures.counters.map((c) => [c, counters[c] ?? 0])),
    errors: Object.fromEntries(Object.entries(counters).filter(([k]) => k.startsWith('errors.'))),
    server:
      server && cpuBefore !== undefined && cpuAfter !== undefined
        ? {
            cpuPercentOfOneCore: Math.round(((cpuAfter - cpuBefore) / seconds) * 100),
            eventLoopLagP99Ms: metrics.nodejs_eventloop_lag_p99_seconds !== undefined ? metrics.nodejs_eventloop_lag_p99_seconds * 1000 : undefined,
            residentMemoryMB: metrics.process_resident_memory_bytes !== undefined ? Math.round(metrics.process_resident_memory_bytes / 2 ** 20) : undefined,
          }
        : undefined,
    loadClient: clientCpu !== undefined ? { cpuPercentOfOneCore: Math.round((clientCpu / seconds) * 100) } : undefined,
    machine: { cpus: cpus().length, loadAverage1m: loadavg()[0] },
  };
  writeFileSync(join(RESULTS, `${scenario}.json`), `${JSON.stringify(result, null, 2)}\n`);

  console.log(`\n[load] ${scenario}: ${result.passed ? 'PASSED' : 'FAILED'} in ${result.seconds} s; vusers ${JSON.stringify(result.vusers)}`);
  console.log('  histogram (ms)                 count      p50      p95      p99      max');
  for (const [name, s] of Object.entries(result.histograms)) {
    console.log(`  ${name.padEnd(28)} ${String(s.count).padStart(7)} ${fmt(s.p50).padStart(8)} ${fmt(s.p95).padStart(8)} ${fmt(s.p99).padStart(8)} ${fmt(s.max).padStart(8)}`);
  }
  for (const [name, value] of Object.entries({ ...result.counters, ...result.errors })) console.log(`  ${name.padEnd(28)} ${value}`);
  if (result.server) console.log(`  server: ${JSON.stringify(result.server)}`);
  console.log(`  load client: ${JSON.stringify(result.loadClient)}; machine: ${JSON.stringify(result.machine)}`);
  console.log(`  written: load/results/${scenario}.json`);
  return exitCode;
}

process.exitCode = await main();
