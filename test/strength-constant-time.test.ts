// MACs are compared in constant time (README, "Security notes"). No behaviour test can see an early
// exit, so this test reads the source: the loops of constantTimeEqual (src/core/crypto.ts) and of
// matching (src/core/receive.ts) must have no exit and no branch on the compared bytes. The checker
// is itself tested on altered copies of the real source, so it cannot pass by finding nothing.
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const CRYPTO = read('src/core/crypto.ts');
const RECEIVE = read('src/core/receive.ts');

function functionNamed(source: string, name: string): ts.FunctionDeclaration {
  const file = ts.createSourceFile('source.ts', source, ts.ScriptTarget.ES2022, true);
  let found: ts.FunctionDeclaration | undefined;
  file.forEachChild((node) => {
    if (ts.isFunctionDeclaration(node) && node.name?.text === name) found = node;
  });
  if (!found?.body) throw new Error(`no function ${name} with a body`);
  return found;
}

function descendants(node: ts.Node): ts.Node[] {
  const out: ts.Node[] = [];
  const visit = (child: ts.Node) => {
    out.push(child);
    child.forEachChild(visit);
  };
  node.forEachChild(visit);
  return out;
}

const isLoop = (node: ts.Node): node is ts.IterationStatement =>
  ts.isForStatement(node) || ts.isForOfStatement(node) || ts.isForInStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node);

const SHORT_CIRCUIT = new Set([ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken]);
const COMPARISON = new Set([ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken]);

/** What in a loop could end it early or make its time depend on the data. */
function exitsIn(node: ts.Node): string[] {
  const problems: string[] = [];
  for (const child of descendants(node)) {
    if (ts.isReturnStatement(child)) problems.push('return');
    else if (ts.isBreakStatement(child)) problems.push('break');
    else if (ts.isContinueStatement(child)) problems.push('continue');
    else if (ts.isThrowStatement(child)) problems.push('throw');
    else if (ts.isIfStatement(child)) problems.push('if');
    else if (ts.isSwitchStatement(child)) problems.push('switch');
    else if (ts.isAwaitExpression(child)) problems.push('await');
    else if (ts.isCallExpression(child) && /^(some|every|find|findIndex|indexOf|includes|equals|compare)$/.test(child.expression.getText().split('.').pop()!)) {
      problems.push(`${child.expression.getText()}()`);
    }
  }
  return problems;
}

/** Problems of constantTimeEqual: an empty list means it compares every byte, whatever they are. */
function checkConstantTimeEqual(source: string): string[] {
  const fn = functionNamed(source, 'constantTimeEqual');
  const [a, b] = fn.parameters.map((parameter) => parameter.name.getText());
  const problems: string[] = [];
  const loops = descendants(fn.body!).filter(isLoop);
  if (loops.length !== 1) return [`${loops.length} loops (expected one over every byte)`];
  const loop = loops[0]!;
  if (!ts.isForStatement(loop) || !loop.condition) return ['the loop is not a counted for loop'];
  // Runs to the full length of the input, not until a difference is found.
  if (loop.condition.getText() !== `i < ${a}.length`) problems.push(`loop condition "${loop.condition.getText()}"`);
  problems.push(...exitsIn(loop.statement).map((what) => `${what} inside the loop`));
  for (const node of descendants(loop.statement)) {
    if (ts.isConditionalExpression(node)) problems.push('?: inside the loop');
    if (ts.isBinaryExpression(node) && SHORT_CIRCUIT.has(node.operatorToken.kind)) problems.push(`${node.operatorToken.getText()} inside the loop`);
    if (ts.isBinaryExpression(node) && COMPARISON.has(node.operatorToken.kind)) problems.push(`${node.operatorToken.getText()} on bytes inside the loop`);
  }
  // The bytes only meet in `difference |= a[i] ^ b[i]`, read once after the loop.
  if (!/^difference\s*\|=\s*a\[i\]!?\s*\^\s*b\[i\]!?;?$/.test(loop.statement.getText().replace(/^\{\s*|\s*\}$/g, '').replace(`${a}[`, 'a[').replace(`${b}[`, 'b['))) {
    problems.push(`loop body "${loop.statement.getText()}"`);
  }
  // Before the loop, only the (public) length may decide; after it, one comparison of the total.
  for (const node of descendants(fn.body!)) {
    if (ts.isReturnStatement(node) && node.pos < loop.pos) {
      const guard = node.parent && ts.isIfStatement(node.parent) ? node.parent : undefined;
      if (!guard || guard.expression.getText() !== `${a}.length !== ${b}.length`) problems.push(`return before the loop: "${node.getText()}"`);
    }
    if (ts.isReturnStatement(node) && node.pos > loop.end && node.expression?.getText() !== 'difference === 0') problems.push(`final "${node.getText()}"`);
    if (ts.isElementAccessExpression(node) && !(node.pos >= loop.statement.pos && node.end <= loop.statement.end)) problems.push(`bytes read outside the loop: "${node.getText()}"`);
  }
  return problems;
}

/** Problems of matching: every computed MAC is compared with every claimed one. */
function checkMatching(source: string): string[] {
  const fn = functionNamed(source, 'matching');
  const [computed, claimed] = fn.parameters.map((parameter) => parameter.name.getText());
  const problems: string[] = [];
  const loops = descendants(fn.body!).filter(isLoop);
  if (loops.length !== 2) return [`${loops.length} loops (expected two nested)`];
  const [outer, inner] = loops as [ts.IterationStatement, ts.IterationStatement];
  if (!descendants(outer.statement).includes(inner)) problems.push('the loops are not nested');
  for (const [loop, over] of [
    [outer, computed],
    [inner, claimed],
  ] as const) {
    if (!ts.isForStatement(loop) || !loop.condition || !new RegExp(`^[a-z] < ${over}\\.length$`).test(loop.condition.getText())) {
      problems.push(`loop over ${over}: "${ts.isForStatement(loop) ? loop.condition?.getText() : loop.getText().slice(0, 40)}"`);
    }
  }
  problems.push(...exitsIn(outer.statement).map((what) => `${what} inside the loops`));
  const calls = descendants(fn.body!).filter((node): node is ts.CallExpression => ts.isCallExpression(node) && node.expression.getText() === 'constantTimeEqual');
  if (calls.length !== 1) problems.push(`${calls.length} calls of constantTimeEqual`);
  for (const call of calls) {
    // Unconditional: nothing between the call and the inner loop's body may skip it.
    for (let node: ts.Node = call.parent; node !== inner.statement; node = node.parent) {
      if (!(ts.isVariableDeclaration(node) || ts.isVariableDeclarationList(node) || ts.isVariableStatement(node) || ts.isExpressionStatement(node) || ts.isBlock(node))) {
        problems.push(`constantTimeEqual is called inside ${ts.SyntaxKind[node.kind]}`);
        break;
      }
      if ((node as ts.Node) === fn) break;
    }
  }
  return problems;
}

describe('MAC comparisons have no early exit (source)', () => {
  it('constantTimeEqual (src/core/crypto.ts): one loop over every byte, no exit and no branch inside it', () => {
    expect(checkConstantTimeEqual(CRYPTO)).toEqual([]);
  });

  it('matching (src/core/receive.ts): every computed MAC against every claimed one, no exit', () => {
    expect(checkMatching(RECEIVE)).toEqual([]);
  });

  it('receive.ts compares MACs only through matching, and src/core nowhere else', () => {
    const core = ['crypto', 'receive', 'signature', 'sign', 'signed', 'incoming', 'json'].map((name) => read(`src/core/${name}.ts`));
    const uses = core.join('\n').match(/constantTimeEqual\(/g) ?? [];
    expect(uses.length).toBe(2); // its declaration and the one call in matching
    expect(RECEIVE).toMatch(/const mac = matching\(computed, claimed\);/);
    expect(core.join('\n')).not.toMatch(/timingSafeEqual|Buffer\.compare|\.equals\(/);
  });

  describe('the checks are not vacuous: each altered copy of the real source is caught', () => {
    const loopBody = 'for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;';
    const matchingBody = 'const equal = constantTimeEqual(computed[i]!, claimed[j]!);';
    it.each([
      ['a return on the first difference', `for (let i = 0; i < a.length; i++) { difference |= a[i]! ^ b[i]!; if (difference) return false; }`],
      ['a break on the first difference', `for (let i = 0; i < a.length; i++) { if (a[i] !== b[i]) break; difference |= a[i]! ^ b[i]!; }`],
      ['a loop that stops once a difference is seen', 'for (let i = 0; i < a.length && difference === 0; i++) difference |= a[i]! ^ b[i]!;'],
      ['a short-circuit on the bytes', 'for (let i = 0; i < a.length; i++) difference |= a[i] === b[i] ? 0 : 1;'],
      ['a logical operator on the bytes', 'for (let i = 0; i < a.length; i++) difference |= (a[i]! ^ b[i]!) || 0;'],
      ['a shorter loop', 'for (let i = 0; i < a.length - 1; i++) difference |= a[i]! ^ b[i]!;'],
    ])('constantTimeEqual with %s', (_, replacement) => {
      expect(CRYPTO).toContain(loopBody);
      expect(checkConstantTimeEqual(CRYPTO.replace(loopBody, replacement))).not.toEqual([]);
    });

    it('constantTimeEqual replaced by an early-exit comparison', () => {
      const altered = CRYPTO.replace(loopBody, 'for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;\n  return a.every((x, i) => x === b[i]);');
      expect(checkConstantTimeEqual(altered)).not.toEqual([]);
    });

    it.each([
      ['a return on the first match', `${matchingBody} if (equal) return computed[i];`],
      ['a break on the first match', `${matchingBody} if (equal) break;`],
      ['a comparison skipped once found', 'const equal = !found && constantTimeEqual(computed[i]!, claimed[j]!);'],
      ['a conditional comparison', 'const equal = found ? false : constantTimeEqual(computed[i]!, claimed[j]!);'],
    ])('matching with %s', (_, replacement) => {
      expect(RECEIVE).toContain(matchingBody);
      expect(checkMatching(RECEIVE.replace(matchingBody, replacement))).not.toEqual([]);
    });

    it('matching whose loops stop once found', () => {
      const altered = RECEIVE.replace('for (let j = 0; j < claimed.length; j++)', 'for (let j = 0; j < claimed.length && !found; j++)');
      expect(altered).not.toBe(RECEIVE);
      expect(checkMatching(altered)).not.toEqual([]);
    });
  });
});
