/** The page's stage: last-N by speaking, pinned first, the rest on further pages. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Stage } from '../../src/client/view/Stage.js';

function stageOf(perPage: number, count: number): Stage {
  const stage = new Stage(perPage);
  for (let i = 1; i <= count; i++) stage.add(`p${i}`);
  return stage;
}

describe('Stage', () => {
  it('shows everyone while they fit, and pages the rest in the order they joined', () => {
    const stage = stageOf(3, 7);
    assert.deepEqual(stage.onStage(), ['p1', 'p2', 'p3']);
    assert.equal(stage.pageCount, 3);
    stage.showPage(1);
    assert.deepEqual(stage.onStage(), ['p4', 'p5', 'p6']);
    assert.deepEqual(stage.offstage(), ['p1', 'p2', 'p3', 'p7']);
    stage.showPage(9);
    assert.deepEqual(stage.onStage(), ['p7'], 'a page past the last shows the last');
  });

  it('brings a speaker onto the first page in place of the one who spoke longest ago', () => {
    const stage = stageOf(3, 6);
    stage.spoke('p1', 10);
    stage.spoke('p3', 20);
    stage.spoke('p5', 30);
    assert.deepEqual(stage.onStage(), ['p1', 'p5', 'p3'], 'p2 never spoke: p5 takes its place, and nobody else moves');
    stage.spoke('p6', 40);
    assert.deepEqual(stage.onStage(), ['p6', 'p5', 'p3'], 'then p1, who spoke first');
    stage.spoke('p5', 50);
    assert.deepEqual(stage.onStage(), ['p6', 'p5', 'p3'], 'a speaker already shown stays where it is');
  });

  it('puts the pinned participant first, whoever speaks', () => {
    const stage = stageOf(3, 6);
    stage.pin('p6');
    assert.deepEqual(stage.onStage(), ['p6', 'p1', 'p2']);
    stage.spoke('p4', 10);
    assert.equal(stage.onStage()[0], 'p6');
    assert.ok(stage.onStage().includes('p4'));
    stage.pin(undefined);
    assert.equal(stage.onStage().length, 3);
  });

  it('fills the first page again when someone on it leaves, and shows fewer per page on a small screen', () => {
    const stage = stageOf(3, 5);
    stage.remove('p2');
    assert.deepEqual(stage.onStage(), ['p1', 'p3', 'p4']);
    stage.setPerPage(2);
    assert.deepEqual(stage.onStage(), ['p1', 'p3']);
    assert.equal(stage.pageCount, 2);
    stage.showParticipant('p5');
    assert.deepEqual(stage.onStage(), ['p4', 'p5']);
  });
});
