import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseNode, countPerNode } from './RoomDirectory.js';

describe('chooseNode', () => {
  const nodes = ['ws://a', 'ws://b', 'ws://c'];
  /** Placements of a room: `count` members on `node`. */
  const room = (...groups: Array<[node: string, count: number]>): Map<string, string> =>
    new Map(groups.flatMap(([node, count]) => Array.from({ length: count }, (_, index): [string, string] => [`${node}-member-${index}`, node])));

  it('keeps a room on a node it already uses while that node has room under the cap', () => {
    assert.equal(chooseNode(nodes, room(['ws://b', 2]), 'newcomer', 3), 'ws://b');
  });

  it('spills onto the least loaded node (the first candidate) once the room fills its node', () => {
    assert.equal(chooseNode(nodes, room(['ws://a', 1]), 'newcomer', 1), 'ws://b');
  });

  it('places a new room on the least loaded node', () => {
    assert.equal(chooseNode(nodes, new Map(), 'newcomer', 0), 'ws://a');
  });

  it('never leaves a participant without a node: when every node is full, the least loaded one takes it', () => {
    assert.equal(chooseNode(nodes, room(['ws://a', 1], ['ws://b', 1], ['ws://c', 1]), 'newcomer', 1), 'ws://a');
  });

  it('keeps a participant placed again (its page moved to another app server) on its node, while that node is up and has room', () => {
    assert.equal(chooseNode(nodes, new Map([['mover', 'ws://c']]), 'mover', 0), 'ws://c');
    assert.equal(chooseNode(['ws://a', 'ws://b'], new Map([['mover', 'ws://c']]), 'mover', 0), 'ws://a', 'its node is down');
    const full = room(['ws://c', 2]);
    full.set('mover', 'ws://c');
    assert.equal(chooseNode(nodes, full, 'mover', 2), 'ws://a', 'its node is full without it');
  });

  it('refuses when no node is healthy', () => {
    assert.throws(() => chooseNode([], new Map(), 'newcomer', 0), /no Janus node/);
  });
});

describe('countPerNode', () => {
  it('counts the room per node, leaving out the participant being placed again', () => {
    const placements = new Map([['p1', 'ws://a'], ['p2', 'ws://a'], ['p3', 'ws://b']]);
    assert.deepEqual(countPerNode(placements, 'p2'), new Map([['ws://a', 1], ['ws://b', 1]]));
  });
});
