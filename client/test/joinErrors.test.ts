import { describe, expect, it } from 'vitest';
import { describeJoinError } from '../src/logic/joinErrors.js';

describe('describeJoinError', () => {
  it('turns the server validation message into sentences without stutter', () => {
    expect(describeJoinError(new Error('name: name must be at least 2 characters'))).toBe('Name must be at least 2 characters');
    expect(describeJoinError(new Error('color: color must look like #rrggbb; worldId: worldId must be one of plaza, forest, harbour'))).toBe(
      'Color must look like #rrggbb. WorldId must be one of plaza, forest, harbour',
    );
  });

  it('says so when the server cannot be reached or is full', () => {
    expect(describeJoinError(new TypeError('Failed to fetch'))).toMatch(/Cannot reach the game server/);
    expect(describeJoinError(new Error('room is full'))).toMatch(/full/);
    expect(describeJoinError(undefined)).toBe('Could not join the world.');
  });
});
