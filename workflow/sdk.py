"""The Step Functions Data Science SDK, imported quietly: the one place that silences it.

Every module takes the SDK's names from here, never from ``stepfunctions`` directly. Importing
the SDK imports the SageMaker SDK, which otherwise

- warns that its v2 is deprecated (silenced by ``SAGEMAKER_SUPPRESS_V2_WARNING``);
- logs INFO lines about its own config files (the ``sagemaker.config`` logger);
- may raise DeprecationWarnings from its dependencies;
- installs rich's traceback printer as ``sys.excepthook`` (``sagemaker_core``'s
  ``enable_rich_logging``): hundreds of lines for one failed request. Undone right after the import.
"""
from __future__ import annotations

import logging
import os
import sys
import warnings

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
logging.getLogger("sagemaker.config").setLevel(logging.WARNING)

_excepthook = sys.excepthook
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from stepfunctions.steps import Catch, Chain, Choice, ChoiceRule, Graph, Pass, Retry, Succeed, Wait, states
    from stepfunctions.steps.compute import LambdaStep
    from stepfunctions.steps.states import State
    from stepfunctions.workflow import Workflow
sys.excepthook = _excepthook

__all__ = ["Catch", "Chain", "Choice", "ChoiceRule", "Graph", "LambdaStep", "Pass", "Retry", "State", "Succeed",
           "Wait", "Workflow", "states"]
