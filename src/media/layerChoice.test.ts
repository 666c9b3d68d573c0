import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseLayer } from './layerChoice.js';

const hd = { width: 1280, height: 720, simulcast: true };
const tile = (width: number, height: number, lowFrameRate = false) => ({ width, height, lowFrameRate });

describe('chooseLayer', () => {
  it('sends no video to a tile that is not on screen', () => {
    assert.deepEqual(chooseLayer(hd, undefined), { send: false });
    assert.deepEqual(chooseLayer(hd, tile(0, 0)), { send: false });
  });

  it('picks the smallest layer that covers the tile', () => {
    assert.equal(chooseLayer(hd, tile(320, 180)).substream, 0, 'a thumbnail gets the quarter layer');
    assert.equal(chooseLayer(hd, tile(400, 225)).substream, 0, 'a quarter layer scaled up a little still covers');
    assert.equal(chooseLayer(hd, tile(640, 360)).substream, 1, 'a tile of half the size gets the half layer');
    assert.equal(chooseLayer(hd, tile(1280, 720)).substream, 2, 'a full-size tile gets the full layer');
    assert.equal(chooseLayer(hd, tile(2560, 1440)).substream, 2, 'a tile larger than the picture gets the largest there is');
  });

  it('gives a pinned or full-screen tile the top layer, however small it is', () => {
    assert.equal(chooseLayer(hd, { ...tile(320, 180), top: true }).substream, 2);
    assert.equal(chooseLayer(hd, { ...tile(0, 0), top: true }).send, false, 'but no video when it is not on screen');
  });

  it('goes the given number of layers below what the tile needs, as far as there are', () => {
    assert.equal(chooseLayer(hd, { ...tile(1280, 720), lower: 1 }).substream, 1);
    assert.equal(chooseLayer(hd, { ...tile(320, 180), top: true, lower: 2 }).substream, 0, 'a pinned tile too');
    assert.equal(chooseLayer(hd, { ...tile(640, 360), lower: 2 }).substream, 0, 'never below the smallest');
  });

  it('takes every temporal layer unless the page saves bandwidth', () => {
    assert.equal(chooseLayer(hd, tile(640, 360)).temporal, 2);
    assert.equal(chooseLayer(hd, tile(640, 360, true)).temporal, 1);
  });

  it('sends a feed without layers as it is', () => {
    assert.deepEqual(chooseLayer({ width: 1920, height: 1080, simulcast: false }, tile(320, 180)), { send: true });
    assert.deepEqual(chooseLayer(undefined, tile(320, 180)), { send: true });
  });
});
