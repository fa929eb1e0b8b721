"""IAM in the sandbox: calls services make on behalf of the pipeline's roles are evaluated.

- ``evaluation``: may a role do an action on a resource (moto's policy evaluation; ``Decision``,
  ``evaluate``, AWS's access-denied message); ``conditions``: the condition operators it decides.
- ``identity``: who the current in-process requests are made as (``acting_as``); ``credentials``: requests
  signed with ``sts:AssumeRole`` credentials are made as that role.
- ``requests`` + ``actions``: the IAM action, resource and context each API call needs.
- ``guard``: the request hook's step (``sandbox.patches.request_entry``): deny with AWS's error per protocol,
  and S3's 403-instead-of-404 for missing keys.
- ``athena``: Athena's reads and writes with its caller's permissions; ``schedules``:
  ``Sandbox.fire_schedule``.
- ``trust``, ``lambda_role``, ``ground_truth``, ``feature_store``: services assuming their roles
  and calling as them.

The moto side lives in ``sandbox.patches``: ``iam`` (``iam:SimulatePrincipalPolicy``, identities
in threads) and ``stepfunctions_role`` (Task states run as the state machine's role).
"""
