"""An offline AWS sandbox that runs the whole labeling pipeline on one machine.

    from sandbox import Sandbox
    with Sandbox(region="eu-west-1", time_scale=0.001) as sb:
        ...  # boto3 clients created here reach the sandbox
"""
from sandbox.clock import SandboxClock
from sandbox.core import Sandbox
from sandbox.faults import FaultPlan, InjectedFault

__all__ = ["FaultPlan", "InjectedFault", "Sandbox", "SandboxClock"]
