// A serving command on a Node that cannot replace its own process (before 22.15 there is
// no process.execve, and Node 20 is still what many machines run): it gets its V8 flags
// by running as a child of this process, which does nothing else. Without them the
// gateway serves with V8's default young generation and spends about a third more CPU
// per query (BENCHMARKS.md, garbage collection). Plain JavaScript, like entry.js; it loads
// nothing of the gateway.
//
// What an operator sees stays the same: the same stdout and stderr (inherited, not
// piped), the signals they send to this pid reach the gateway once each (the child has a
// process group of its own, so a terminal's Ctrl-C, sent to the whole group, is not
// delivered twice), and this process ends as the gateway does — its exit code, or the
// signal that ended it. If this process is killed outright, the gateway notices its
// channel close and shuts down as on SIGTERM (watchSupervisor) rather than serve on
// unowned.
import { spawn } from 'node:child_process';

/** Set in the child's environment, read (and removed, so cluster workers do not inherit it) by watchSupervisor. */
const SUPERVISED = 'TRIBUTARY_SUPERVISED';

/** The signals passed on to the gateway: the ones it handles (start.ts, workers.ts) and the reload one an operator may use. */
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR2'];

/** Runs `argv` (the relaunch: node, its flags, the script and its arguments) as the gateway, and ends as it ends. */
export function supervise(argv) {
  const child = spawn(argv[0], argv.slice(1), {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    detached: true,
    env: { ...process.env, [SUPERVISED]: '1' },
  });
  for (const signal of FORWARDED)
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  child.once('error', (error) => {
    console.error(`tributary: could not start the serving process: ${error.message}`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => {
    if (signal) {
      // Ended by a signal: end the same way, so that a supervisor above sees what happened.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}

/**
 * In the supervised gateway: its supervisor's channel must not keep it alive, and when
 * the channel closes (the supervisor is gone, killed outright) it stops as on SIGTERM.
 */
export function watchSupervisor(env = process.env) {
  if (env[SUPERVISED] !== '1' || !process.channel) return false;
  delete env[SUPERVISED];
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  return true;
}
