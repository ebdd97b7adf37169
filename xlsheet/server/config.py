"""xlwings Server settings for xlsheet (imported by xlwings Server as the top-level ``config``).

Every value can still be overridden by an XLWINGS_* environment variable or a .env file in
this folder (e.g. XLWINGS_HOSTNAME, XLWINGS_MANIFEST_ID_PROD, XLWINGS_LICENSE_KEY).
"""

from pydantic import UUID4
from xlwings_server.config import Settings as ServerSettings


class Settings(ServerSettings):
    project_name: str = "xlsheet 政策評価"
    functions_namespace: str = "XLSHEET"
    # Fixed ids so a redeployed server keeps the add-in Excel already knows.
    manifest_id_dev: UUID4 = "25af2a51-a710-46cd-bca6-7e58301a8a27"
    manifest_id_qa: UUID4 = "1dd0c521-fa20-47eb-9179-e4190a5f6de0"
    manifest_id_uat: UUID4 = "54a78dfb-bfb4-40d9-bf4a-97418ea57a0d"
    manifest_id_staging: UUID4 = "b71081f9-871e-4901-8338-4a9774a2fb7a"
    manifest_id_prod: UUID4 = "de5a6a49-0f98-4cec-a2f4-54ec2f585bcd"
    # The ribbon needs neither live updates nor the demo pages.
    enable_socketio: bool = False
    enable_examples: bool = False
