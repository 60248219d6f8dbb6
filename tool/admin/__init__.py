"""The tool administration console (/admin/): registrations, deployments, approval and usage.

Two ways in: a platform administrator launching Stepping Stones from their LMS
(their own registration only), or the tool administrator's password
(``SS_ADMIN_PASSWORD_HASH``: every registration). The CLI (``stepping-stones lti
…``) does the same for automation.
"""
