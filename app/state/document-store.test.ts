import { beforeEach, describe, expect, it } from 'vitest';
import { galleryScenario } from '../test/fixtures.ts';
import { beginGesture, commit, edit, endGesture, HISTORY_LIMIT, loadDocument, redo, resetDocument, undo, useDocumentStore } from './document-store.ts';
import { emptyScenario } from './empty.ts';

const doc = () => useDocumentStore.getState().doc;
const rename = (name: string) => edit((d) => ({ ...d, name }));

describe('document store history', () => {
  beforeEach(() => resetDocument(emptyScenario('start')));

  it('undoes and redoes every edit', () => {
    rename('a');
    rename('b');
    expect(doc().name).toBe('b');
    expect(undo()).toBe(true);
    expect(doc().name).toBe('a');
    expect(undo()).toBe(true);
    expect(doc().name).toBe('start');
    expect(undo()).toBe(false);
    expect(redo()).toBe(true);
    expect(redo()).toBe(true);
    expect(doc().name).toBe('b');
    expect(redo()).toBe(false);
  });

  it('drops the redo stack on a new edit', () => {
    rename('a');
    undo();
    rename('c');
    expect(redo()).toBe(false);
    expect(doc().name).toBe('c');
  });

  it('records a gesture (a drag, a typing session) as one step', () => {
    beginGesture();
    for (const n of ['x', 'xy', 'xyz']) rename(n);
    endGesture();
    expect(doc().name).toBe('xyz');
    undo();
    expect(doc().name).toBe('start');
  });

  it('records nothing for a gesture that changed nothing', () => {
    beginGesture();
    endGesture();
    expect(useDocumentStore.getState().past).toHaveLength(0);
  });

  it('ignores a commit of the same document', () => {
    commit(doc());
    expect(useDocumentStore.getState().past).toHaveLength(0);
  });

  it('keeps at most HISTORY_LIMIT steps', () => {
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) rename(`n${i}`);
    expect(useDocumentStore.getState().past).toHaveLength(HISTORY_LIMIT);
  });

  it('loads a document as an undoable step', () => {
    loadDocument(galleryScenario());
    expect(doc().resources.length).toBeGreaterThan(0);
    undo();
    expect(doc().name).toBe('start');
  });
});
