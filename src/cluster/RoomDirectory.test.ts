import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseNode, countPerNode } from './RoomDirectory.js';

describe('chooseNode', () => {
  const nodes = ['ws://a', 'ws://b', 'ws://c'];

  it('keeps a room on a node it already uses while that node has room under the cap', () => {
    assert.equal(chooseNode(nodes, new Map([['ws://b', 2]]), 3), 'ws://b');
  });

  it('spills onto the least loaded node (the first candidate) once the room fills its node', () => {
    assert.equal(chooseNode(nodes, new Map([['ws://a', 1]]), 1), 'ws://b');
  });

  it('places a new room on the least loaded node', () => {
    assert.equal(chooseNode(nodes, new Map(), 0), 'ws://a');
  });

  it('never leaves a participant without a node: when every node is full, the least loaded one takes it', () => {
    assert.equal(chooseNode(nodes, new Map(nodes.map((node) => [node, 1])), 1), 'ws://a');
  });

  it('refuses when no node is healthy', () => {
    assert.throws(() => chooseNode([], new Map(), 0), /no Janus node/);
  });
});

describe('countPerNode', () => {
  it('counts the room per node, leaving out the participant being placed again', () => {
    const placements = new Map([['p1', 'ws://a'], ['p2', 'ws://a'], ['p3', 'ws://b']]);
    assert.deepEqual(countPerNode(placements, 'p2'), new Map([['ws://a', 1], ['ws://b', 1]]));
  });
});
