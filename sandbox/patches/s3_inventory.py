"""S3 inventory configurations as S3 stores them (sandbox.inventory delivers their reports)."""
from __future__ import annotations

from typing import Any

from sandbox.patches.base import patch


def install() -> None:
    """Why: moto 5.2.5 drops IncludedObjectVersions (Get and List always answer "All") and List renders
    OptionalFields as ["Field"], so a configuration read back is not the one written
    (PutBucketInventoryConfiguration, https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketInventoryConfiguration.html:
    IncludedObjectVersions "All | Current" is required and kept). The deployer's idempotence check
    and the sandbox's report delivery (current versions only, the fields asked for) read it back."""
    from moto.core.common_types import TYPE_RESPONSE
    from moto.core.responses import ActionResult
    from moto.s3.models import S3Backend
    from moto.s3.responses import S3Response

    from sandbox.inventory.reports import rendered

    original_put = S3Backend.put_bucket_inventory_configuration

    def put_bucket_inventory_configuration(self: Any, bucket_name: str, inventory_configuration: dict[str, Any]) -> None:
        original_put(self, bucket_name, inventory_configuration)
        stored = self.get_bucket(bucket_name).inventory_configs[inventory_configuration["Id"]]
        stored.included_object_versions = inventory_configuration.get("IncludedObjectVersions", "All")

    def get_bucket_inventory_configuration(self: Any) -> TYPE_RESPONSE:
        inventory = self.backend.get_bucket_inventory_configuration(bucket_name=self.bucket_name,
                                                                    id=self.querystring["id"][0])
        self.data["Action"] = "GetBucketInventoryConfiguration"
        return self.serialized(ActionResult({"InventoryConfiguration": rendered(inventory)}))

    def list_bucket_inventory_configurations(self: Any) -> TYPE_RESPONSE:
        configs = [rendered(inv) for inv in self.backend.list_bucket_inventory_configurations(bucket_name=self.bucket_name)]
        self.data["Action"] = "ListBucketInventoryConfigurations"
        return self.serialized(ActionResult({"InventoryConfigurationList": configs, "IsTruncated": False}))

    patch(S3Backend, "put_bucket_inventory_configuration", put_bucket_inventory_configuration)
    patch(S3Response, "get_bucket_inventory_configuration", get_bucket_inventory_configuration)
    patch(S3Response, "list_bucket_inventory_configurations", list_bucket_inventory_configurations)
