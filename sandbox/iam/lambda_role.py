"""Lambda assuming a function's execution role when the function is invoked.

The role's trust policy must name ``lambda.amazonaws.com`` ("Defining Lambda function permissions
with an execution role", lambda-intro-execution-role: "Lambda automatically assumes your execution
role when you invoke your function"). Lambda documents no aws:SourceAccount/aws:SourceArn it sends
then, so none is in the context (see sandbox.iam.trust). What Invoke answers when the role cannot
be assumed is not documented; the sandbox answers as CreateFunction does for such a role,
InvalidParameterValueException "The role defined for the function cannot be assumed by Lambda."
(HTTP 400; the message as reported in many public issue threads, e.g. pdomala/LambdaCDDemo#1).
"""
from __future__ import annotations

from sandbox.iam import trust

MESSAGE = "The role defined for the function cannot be assumed by Lambda."


def assume_function_role(account_id: str, role_arn: str | None) -> None:
    """Raise Lambda's InvalidParameterValueException unless lambda.amazonaws.com may assume the role."""
    from moto.awslambda.exceptions import InvalidParameterValueException

    if not role_arn or not trust.services_checked():
        return
    if not trust.may_assume(account_id, role_arn, trust.LAMBDA).allowed:
        raise InvalidParameterValueException(MESSAGE)
