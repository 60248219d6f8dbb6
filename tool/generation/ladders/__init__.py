"""The skill ladder library: expert progressions for the skills students avoid (``config/ladders``)."""
