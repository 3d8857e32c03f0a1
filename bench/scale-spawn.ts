/**
 * How bench:scale starts an agent process. etcd mode: on this host, next to the etcd on loopback.
 * Peer mode: one per lab namespace (sim/lab): each host has its own address on one Ethernet
 * segment, as peer mode needs (its agents bind the peer port on every address and are heard only
 * from their peers' addresses, so several on one host's loopback cannot tell each other apart).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Lab } from '../sim/lab';
import type { AgentProgram } from './agent-child';
import type { AgentProc, Spawner } from './scale-cluster';

export function hostSpawner(program: AgentProgram): Spawner {
  return (id, argv, onLine) => {
    const child = spawn(process.execPath, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '', ...program.environment },
    });
    const stderr: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk.toString('utf8'));
      if (stderr.length > 20) stderr.shift();
    });
    createInterface({ input: child.stdout }).on('line', (line) => onLine(line, Date.now()));
    const a: AgentProc = {
      id,
      vip: `v${id.slice(1)}`,
      pid: child.pid ?? -1,
      alive: true,
      exited: new Promise((resolve) => child.once('exit', () => resolve())),
      kill: (signal) => void child.kill(signal),
      tail: () => stderr.join(''),
    };
    void a.exited.then(() => (a.alive = false));
    return a;
  };
}

/** Node `nN` runs in lab host `hN`, with the unit's environment (env execs node: the pid stays the agent's). */
export function labSpawner(lab: Lab, program: AgentProgram): Spawner {
  return (id, argv, onLine) => {
    const env = Object.entries({ NODE_OPTIONS: '', ...program.environment }).map(([k, v]) => `${k}=${v}`);
    const proc = lab.spawn(`h${id.slice(1)}`, '/usr/bin/env', [...env, process.execPath, ...argv]);
    proc.onLine(onLine);
    const a: AgentProc = {
      id,
      vip: `v${id.slice(1)}`,
      pid: proc.pid,
      alive: true,
      exited: proc.exited.then(() => undefined),
      kill: (signal) => void proc.kill(signal),
      tail: () => proc.stderrTail(),
    };
    void a.exited.then(() => (a.alive = false));
    return a;
  };
}
