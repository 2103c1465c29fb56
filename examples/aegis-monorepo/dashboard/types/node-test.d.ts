// Minimal typings for the parts of Node's built-in test runner and assert
// module that the tests use, so `typescript` is the only devDependency
// (no @types/node needed).
declare module "node:test" {
  type TestFn = () => void | Promise<void>;
  export function describe(name: string, fn: TestFn): Promise<void>;
  export function it(name: string, fn: TestFn): Promise<void>;
  export function test(name: string, fn: TestFn): Promise<void>;
}

declare module "node:assert/strict" {
  interface Assert {
    (value: unknown, message?: string): asserts value;
    ok(value: unknown, message?: string): asserts value;
    equal<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
    deepEqual<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
    throws(fn: () => unknown, expected?: RegExp | (new (...args: never[]) => Error), message?: string): void;
  }
  const assert: Assert;
  export default assert;
}
