"""``verification.on_reject: adjust``: the labeling and the adjustment job side by side, both stopped on failure."""
from __future__ import annotations

from dataclasses import replace

from workflow import job_requests
from workflow.config import PipelineConfig
from workflow.graph.jobs import _job_stage, _JobStage
from workflow.graph.states import SAGEMAKER_TRANSIENT_ERRORS, STOP_LABELING_JOB_RESOURCE, _step_failed
from workflow.resources import ResourceArns
from workflow.sdk import Catch, Choice, ChoiceRule, Pass, Retry, State, Wait
from workflow.sdk_ext import Fail, Parallel, Task

NAME_JOBS = "Labeling and adjustment"
PARALLEL_STOP_WAIT_SECONDS = 30  # a CreateLabelingJob call returns in seconds; then the stops find its job


def _labeling_and_adjustment(cfg: PipelineConfig, arns: ResourceArns, schedule: list[int], labeling: _JobStage,
                             next_step: State) -> State:
    """on_reject adjust: a Parallel state running the labeling job (new images) and the adjustment job
    (rejected images with their previous label, steps.adjustment); a branch whose input manifest is null
    has nothing to do and is skipped. Both output manifest URIs (null for a skipped job) then go to
    ``next_step``, with the state shaped as after the labeling stage alone plus ``$.adjustment_output``.

    A job that completes with nothing labeled does not fail the run here: the other job's labels
    still go on (FilterLabeledObjects counts the unlabeled lines, "Anything to verify?" ends a run
    with none). A branch that fails (job failed, stopped, refused, its describe failing) fails the
    Parallel state and stops the other branch, not the SageMaker job that branch started: the catch
    stops both jobs (``_stop_parallel_jobs``), then the run fails naming this state, with the
    branch's error and cause in its cause.
    """
    adjustment = _JobStage(
        title="Adjustment",
        noun="adjustment job",
        key="adjustment",
        request=job_requests.adjustment_request(cfg, arns),
        name_path=job_requests.ADJUSTMENT_JOB_NAME_PATH,
        output_result_path="$.adjustment_output",
        empty_message="adjustment job {} completed with no adjusted objects ({} expired, {} failed); "
        "the images stay missing and are retried next run",
        fail_when_empty=False,
    )
    stages = ((replace(labeling, fail_when_empty=False), job_requests.INPUT_MANIFEST_PATH),
              (adjustment, job_requests.ADJUSTMENT_INPUT_PATH))
    # Each branch's output is its job's output ({"manifest_uri"}); "$[0]" and "$[1]" pick them from the
    # Parallel state's array (whole elements: paths into an element, "$[0].x", are not read alike by
    # every engine: moto's returns a one-element list), and a Pass puts them where one job would.
    jobs = Parallel(NAME_JOBS, result_selector={"labeling.$": "$[0]", "adjustment.$": "$[1]"}, result_path="$.jobs")
    gather = Pass(f"{NAME_JOBS}: outputs", parameters={
        "check.$": "$.check", "labeling_output.$": "$.jobs.labeling", "adjustment_output.$": "$.jobs.adjustment",
    }, result_path="$")
    for stage, manifest_path in stages:
        done = Pass(f"{stage.title}: done", output_path=stage.output_result_path)
        skip = Pass(f"{stage.title}: nothing to do", result={"manifest_uri": None}, result_path=stage.output_result_path)
        skip.next(done)
        anything = Choice(f"{stage.title}: anything to do?")
        anything.add_choice(ChoiceRule.IsNull(manifest_path, True), skip)
        anything.default_choice(_job_stage(stage, schedule, done))
        jobs.add_branch(anything)
    jobs.add_catch(Catch(error_equals=["States.ALL"], next_step=_stop_parallel_jobs(stages, _step_failed(NAME_JOBS)),
                         result_path="$.error"))
    jobs.next(gather)
    gather.next(next_step)
    return jobs


def _stop_parallel_jobs(stages: tuple[tuple[_JobStage, str], ...], fail: Fail) -> State:
    """After the Parallel state failed: StopLabelingJob on each job of ``stages`` that was started, then ``fail``.

    "If any branch fails ... the entire Parallel state is considered to have failed and all its
    branches are stopped", but what a branch started goes on ("invoked Lambda functions continue to
    run", Parallel workflow state, Error Handling: https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html):
    a labeling job keeps its workers labeling objects nobody reads. The page's advice for cleanup is
    a Wait first, so that a call in flight (here: the other branch's createLabelingJob) lands before
    the stop. A job whose input manifest is null was never created: no call. A job that already ended
    (the failed branch's own: Failed, Stopped) or does not exist answers ValidationException or
    ResourceNotFound: as in ``_stop_job``, caught into ``$.stop_error``, and the next job is stopped all
    the same; ``$.error`` (the branch's error) reaches ``fail``. Returns the first state.
    """
    first: State = fail
    for stage, manifest_path in reversed(stages):
        stop = Task(f"{NAME_JOBS} failed: stop {stage.noun}", resource=STOP_LABELING_JOB_RESOURCE,
                    parameters={"LabelingJobName.$": stage.name_path}, result_path=None)
        stop.add_retry(Retry(error_equals=SAGEMAKER_TRANSIENT_ERRORS, interval_seconds=2, max_attempts=3,
                             backoff_rate=2.0))
        stop.add_catch(Catch(error_equals=["States.ALL"], next_step=first, result_path="$.stop_error"))
        stop.next(first)
        started = Choice(f"{NAME_JOBS} failed: {stage.noun} started?")
        started.add_choice(ChoiceRule.IsNull(manifest_path, True), first)
        started.default_choice(stop)
        first = started
    settle = Wait(f"{NAME_JOBS} failed: let a create in flight land", seconds=PARALLEL_STOP_WAIT_SECONDS)
    settle.next(first)
    return settle
