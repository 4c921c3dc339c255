// `converge` in JavaScript: the same apply as `supd` and the Python
// package, with the node reached only through `run(script)`, an async
// function returning {stdout, exitCode, stderr} (or [stdout, exitCode]).
// Every piece of supervisord logic is in the components; this file only
// passes values between them and the node.
import { load, ProviderError } from './host.mjs';

const LIMITS = { 'max-steps': 10000, 'max-bytes': 16 << 20, 'lock-wait-secs': 60 };

/** Runs `sh -s` on this machine with the script on its standard input. */
export async function localRunner(script) {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-s'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
      exitCode: code,
    }));
    child.stdin.end(script);
  });
}

const output = (result) => {
  const [stdout, exitCode, stderr] = Array.isArray(result)
    ? result
    : [result.stdout, result.exitCode, result.stderr];
  return { stdout: stdout ?? '', stderr: stderr ?? '', 'exit-code': exitCode ?? null };
};

/** Loads the bundled components once; returns `converge`. */
export async function supervision(dir = './generated') {
  const provider = await load('supervisord', dir);
  const facility = await load('app-deploy', dir);
  const scripts = await load('node-script', dir);
  const supervisor = provider.call('register-provider', []).name;
  const facilityName = facility.call('facility-name', []);

  const program = (key, service) => {
    const settings = { 'service-name': key, ...(service.settings ?? {}) };
    const mapper = (service.facility ?? 'generic') === facilityName ? facility : provider;
    const args = mapper === facility
      ? [supervisor, JSON.stringify(settings)]
      : [service.facility ?? 'generic', JSON.stringify(settings)];
    try {
      return mapper.invoke('config-map', args);
    } catch (e) {
      if (e instanceof ProviderError) e.field = `services.${key}.${e.field}`;
      throw e;
    }
  };

  /**
   * Makes the node run exactly `services` (name -> {facility, settings}).
   * mode: "apply" or "check"; root: the node's root (a sandbox directory).
   */
  async function converge(settings, services, run, { mode = 'apply', diff = false, root = '/' } = {}) {
    const text = JSON.stringify(settings ?? {});
    const programs = Object.entries(services).map(([key, service]) => program(key, service));
    provider.invoke('check-programs', [programs]);
    const probes = provider.invoke('probes', [text, programs, root]);
    const facts = scripts.invoke('parse-facts', [
      probes, root, output(await run(scripts.call('facts-script', [probes]))),
    ]);
    const plan = scripts.call('converge-plan', [
      provider.invoke('install-plan', [text, facts]),
      provider.invoke('configure-plan', [text, programs, facts]),
    ]);
    const options = { check: mode === 'check', diff, title: 'supervisord-crate (JavaScript)', ...LIMITS };
    const script = scripts.invoke('apply-script', [plan, options]);
    if (plan.steps.length === 0) {
      return { ...scripts.call('parse-report', [plan, options, null, facts]), 'round-trips': 1 };
    }
    const report = scripts.call('parse-report', [plan, options, output(await run(script)), facts]);
    return { ...report, 'round-trips': 2 };
  }

  return { converge };
}
