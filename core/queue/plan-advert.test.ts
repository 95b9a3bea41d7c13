// Why a worker is idle, from what the running coordinators advertise (plan-advert.ts).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { idleReason, type CoordinatorInfo } from './plan-advert.ts';

const idle = suite('idleReason');

const coordinator = (name: string, builds: Record<string, number>): CoordinatorInfo => ({ name, host: 'h', pid: 1, builds, heartbeat: '2026-12-06T09:00:00.000Z' });

idle('no coordinator yet: not idle (one may start); one that builds the arch: not idle', () => {
  assert.is(idleReason('linux-64', []), null);
  assert.is(idleReason('linux-64', [coordinator('a pid 1', { 'linux-64': 2 })]), null);
  assert.is(idleReason('linux-64', [coordinator('a pid 1', { 'osx-arm64': 5 }), coordinator('b pid 2', { 'linux-64': 1 })]), null);
});

idle('no coordinator builds the arch: named, with what each builds; planned but all built: said so', () => {
  assert.is(idleReason('linux-aarch64', [coordinator('a pid 1', { 'linux-64': 3, 'win-64': 0 })]), 'no planned tasks for linux-aarch64: coordinator a pid 1 builds linux-64 (3)');
  assert.is(idleReason('linux-64', [coordinator('a pid 1', { 'linux-64': 0 })]), 'no planned tasks for linux-64: coordinator a pid 1 builds nothing; its linux-64 packages are built already');
  assert.is(
    idleReason('win-64', [coordinator('a pid 1', { 'linux-64': 1 }), coordinator('b pid 2', { 'osx-64': 4, 'osx-arm64': 2 })]),
    'no planned tasks for win-64: coordinator a pid 1 builds linux-64 (1); coordinator b pid 2 builds osx-64 (4), osx-arm64 (2)',
  );
});

idle.run();
