/**
 * Client CPU per request: HttpClient.send beside, in the same process and against the same server,
 * what it did per request until now (fetch() with an AbortSignal.any of the caller's signal and an
 * AbortSignal.timeout, the body read as text and parsed) and a floor (undici's request() alone).
 * The server runs in its own process, so only the client's CPU is counted. Each subject sends
 * BENCH_REQUESTS GET requests, 8 at a time, after a warm-up; the subjects alternate over BENCH_ROUNDS.
 */
import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline';
import { Agent, fetch, request } from 'undici';
import { HttpClient } from '../src/platform/http';
import { silentLogger } from '../src/log';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IN_FLIGHT = 8;

const SERVER = `
const body = JSON.stringify({ value: Array.from({ length: 5 }, (_, i) => ({ id: 'row-' + i, name: 'Row ' + i })) });
const server = require('node:http').createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json; odata.metadata=minimal', 'x-ms-service-request-id': 'id' }).end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

type Send = (url: string) => Promise<unknown>;

function subjects(): Record<string, Send> {
  const dispatcher = new Agent({ keepAliveTimeout: 30_000 });
  const client = new HttpClient({ logger: silentLogger, userAgent: 'bench' });
  const caller = new AbortController();
  setMaxListeners(IN_FLIGHT * 2, caller.signal); // one tool call's signal, shared by its requests in flight
  const headers = () => ({ accept: 'application/json', 'user-agent': 'bench', 'x-ms-client-request-id': crypto.randomUUID() });
  return {
    'fetch (until now)': async (url) => {
      const signal = AbortSignal.any([caller.signal, AbortSignal.timeout(100_000)]);
      const response = await fetch(url, { method: 'GET', headers: headers(), signal, dispatcher });
      return JSON.parse(await response.text());
    },
    'HttpClient.send': (url) => client.send({ service: 'dataverse', method: 'GET', url, signal: caller.signal }),
    'request() alone (floor)': async (url) => {
      const answer = await request(url, { method: 'GET', headers: headers(), signal: caller.signal, dispatcher });
      return JSON.parse(await answer.body.text());
    },
  };
}

async function run(send: Send, url: string, count: number): Promise<number> {
  const before = process.cpuUsage();
  let next = 0;
  const worker = async () => {
    while (next++ < count) await send(url);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

async function main(): Promise<void> {
  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<string>((resolve) => createInterface({ input: server.stdout }).once('line', resolve));
    const url = `http://127.0.0.1:${port}/api/data/v9.2/accounts`;
    const all = subjects();
    const times = new Map<string, number[]>(Object.keys(all).map((name) => [name, []]));
    for (const send of Object.values(all)) await run(send, url, 500);
    for (let round = 0; round < ROUNDS; round++)
      for (const [name, send] of Object.entries(all)) times.get(name)!.push(await run(send, url, REQUESTS));
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const perRequest = (name: string) => (median(times.get(name)!) * 1000) / REQUESTS;
    const base = perRequest('fetch (until now)');
    console.log(`client CPU per request, median of ${ROUNDS} rounds of ${REQUESTS} (${IN_FLIGHT} in flight):`);
    for (const name of times.keys())
      console.log(`${name.padEnd(24)} ${perRequest(name).toFixed(0).padStart(5)} µs  ${(perRequest(name) / base).toFixed(2)}x`);
  } finally {
    server.kill();
  }
}

void main();
