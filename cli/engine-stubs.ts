/**
 * Stand-ins, in the CLI's bundle only, for what aws-local-stepfunctions imports but the local engine never uses:
 * every Task state runs one of our handlers in-process (taskResourceLocalHandlers), so no Lambda is invoked and
 * no credentials are needed; and the definition is validated when it is built (test/unit/workflow.test.ts), not
 * at each run. Leaving them out saves a third of a second at every `run`. Reaching one is a bug: it says so.
 */
const unused = (what: string) => {
  throw new Error(`${what} is not part of download-doctor's local engine`);
};

export class LambdaClient {
  constructor() {
    unused('the Lambda client');
  }
}
export class InvokeCommand {}
export const fromCognitoIdentityPool = () => unused('Cognito credentials');
export default () => unused('asl-validator');
