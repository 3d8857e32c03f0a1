import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3: the AWS Solutions and Serverless packs as policy-validation plugins. Any finding not
 * acknowledged (with a reason, on the construct it concerns) fails synthesis.
 */
export function addNagPacks(app: IConstruct): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
